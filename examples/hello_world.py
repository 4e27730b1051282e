"""Hello world: one request, one answer."""

from __future__ import annotations

import anthropic


def main(client: anthropic.Anthropic | None = None) -> str:
    client = client or anthropic.Anthropic()  # reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL
    message = client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=1024,
        messages=[{"role": "user", "content": "Hello, Claude"}],
    )
    text = message.content[0].text  # type: ignore[union-attr]
    print(text)
    return text


if __name__ == "__main__":
    main()
