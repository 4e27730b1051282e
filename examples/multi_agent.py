"""Multi-agent fan-out: subtasks run concurrently on the async client, then the results are combined."""

from __future__ import annotations

import asyncio

import anthropic

SUBTASKS = ["Fetch user data", "Design login page"]


async def run_subtask(client: anthropic.AsyncAnthropic, task: str) -> str:
    message = await client.messages.create(
        model="claude-haiku-4-5", max_tokens=1024, messages=[{"role": "user", "content": task}]
    )
    return message.content[0].text  # type: ignore[union-attr]


async def orchestrate(client: anthropic.AsyncAnthropic, subtasks: list[str]) -> dict[str, str]:
    results = await asyncio.gather(*(run_subtask(client, task) for task in subtasks))
    return dict(zip(subtasks, results, strict=True))


def main(client: anthropic.AsyncAnthropic | None = None) -> dict[str, str]:
    results = asyncio.run(orchestrate(client or anthropic.AsyncAnthropic(), SUBTASKS))
    for task, result in results.items():
        print(f"## {task}\n{result}\n")
    return results


if __name__ == "__main__":
    main()
