"""The reduced ``make stress`` (issue 15): every attack at 5 % of its size against a fresh mock on loopback.
Thresholds on counts only (no 5xx, no hang, no wrong answer or leak), never on timing: the latencies and RSS
figures are printed by ``make stress``, not bounded here."""

from __future__ import annotations

import pytest

from loadtests.stress.attacks import ATTACKS, Attack, run_attack, table

SCALE = 0.05


@pytest.mark.parametrize("attack", [pytest.param(a, id=a.name) for a in ATTACKS])
def test_attack_gets_no_5xx_and_no_hang(attack: Attack) -> None:
    result = run_attack(attack, SCALE)
    print(table([result]))
    counts = result.counts
    assert counts.requests > 0 or counts.notes, table([result])
    assert counts.errors_5xx == 0, table([result])
    assert counts.hangs == 0 and result.health_hangs == 0, table([result])
    assert counts.wrong == 0, table([result])
