"""A customer-service bot: it keeps the conversation and runs its order-lookup tool when the model asks.

Against the mock, the shipped rule ``mocks/content/rules/order-status-tool-loop.yaml`` scripts the model's side.
"""

from __future__ import annotations

from typing import Any

import anthropic

SYSTEM = "You are a friendly support agent for an online shop. Use the tools to look orders up."
LOOKUP = {
    "name": "lookup_order_status",
    "description": "Look up the shipping status of an order by its id",
    "input_schema": {
        "type": "object",
        "properties": {"order_id": {"type": "string"}},
        "required": ["order_id"],
    },
}
ORDERS = {"A-1042": "shipped on 20 November, arriving Friday"}


def lookup_order_status(order_id: str) -> str:
    return ORDERS.get(order_id, f"no order {order_id}")


class SupportBot:
    def __init__(self, client: anthropic.Anthropic) -> None:
        self.client = client
        self.messages: list[dict[str, Any]] = []

    def reply(self, text: str) -> str:
        self.messages.append({"role": "user", "content": text})
        while True:
            message = self.client.messages.create(
                model="claude-haiku-4-5",
                max_tokens=500,
                system=SYSTEM,
                tools=[LOOKUP],
                messages=self.messages,  # type: ignore[list-item]
            )
            self.messages.append({"role": "assistant", "content": message.content})
            calls = [b for b in message.content if b.type == "tool_use"]
            if not calls:
                return "".join(b.text for b in message.content if b.type == "text")
            self.messages.append(
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": c.id,
                            "content": lookup_order_status(**c.input),
                        }  # type: ignore[arg-type]
                        for c in calls
                    ],
                }
            )


def main(client: anthropic.Anthropic | None = None) -> str:
    bot = SupportBot(client or anthropic.Anthropic())
    answer = bot.reply("Hi, where is my order A-1042?")
    print("bot:", answer)
    return answer


if __name__ == "__main__":
    main()
