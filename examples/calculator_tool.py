"""The tool loop: the model asks for the calculator, we run it and send back a tool_result."""

from __future__ import annotations

import ast
import operator
from typing import Any

import anthropic

CALCULATOR = {
    "name": "calculator",
    "description": "Evaluate a basic arithmetic expression and return the result.",
    "input_schema": {
        "type": "object",
        "properties": {
            "expression": {
                "type": "string",
                "description": "The arithmetic expression to evaluate, e.g. '2 + 2'",
            }
        },
        "required": ["expression"],
    },
}
_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def calculate(expression: str) -> str:
    """Evaluate + - * / on numbers, nothing else (no eval of arbitrary code)."""

    def value(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        raise ValueError(f"unsupported expression: {expression!r}")

    result = value(ast.parse(expression, mode="eval").body)
    return str(int(result)) if result == int(result) else str(result)


def ask(client: anthropic.Anthropic, question: str) -> str:
    messages: list[dict[str, Any]] = [{"role": "user", "content": question}]
    while True:
        message = client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=1024,
            tools=[CALCULATOR],
            messages=messages,  # type: ignore[list-item]
        )
        if message.stop_reason != "tool_use":
            return "".join(block.text for block in message.content if block.type == "text")
        messages.append({"role": "assistant", "content": message.content})
        results = []
        for block in message.content:
            if block.type == "tool_use":
                print(f"calculator({block.input['expression']!r})")  # type: ignore[index]
                output = calculate(block.input["expression"])  # type: ignore[index]
                results.append({"type": "tool_result", "tool_use_id": block.id, "content": output})
        messages.append({"role": "user", "content": results})


def main(client: anthropic.Anthropic | None = None) -> str:
    answer = ask(client or anthropic.Anthropic(), "What is 15 * 23?")
    print(answer)
    return answer


if __name__ == "__main__":
    main()
