"""Every reason code a quarantine row can carry is a ReasonCode: one list, in one place."""

from __future__ import annotations

import re
from pathlib import Path

from transforms.reasons import ReasonCode

ROOT = Path(__file__).resolve().parents[2]


def test_the_codes_of_the_finder_and_of_ingest_are_reason_codes():
    # Before, link_not_followed, unbuildable_record and more_quarantined were strings of
    # their own modules.
    for code in ("link_not_followed", "unbuildable_record", "more_quarantined"):
        assert ReasonCode(code) == code


def test_no_module_writes_a_reason_code_of_its_own():
    # A reason code given as a bare string in the readers or the stages ("error_code":
    # "…", "reason_code": "…") would be a code outside the list.
    literal = re.compile(r"""["'](?:error|reason)_code["']\s*:\s*\[?\s*["']""")
    for path in [*ROOT.glob("flows/**/*.py"), *ROOT.glob("transforms/**/*.py")]:
        assert not literal.search(path.read_text()), path
