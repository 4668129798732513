"""HL7 v2.x ORU^R01 in ER7 (pipe-and-hat) form, parsed with the `hl7` library.

Paths name a segment by its place among segments of that type and a field by its number:
`OBX[3].5` is the value of the third OBX, `PID.3` the patient identifiers. Every structural
problem is collected and raised together; nothing is guessed.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import hl7

from cramp_dx.errors import InputError, Problem
from cramp_dx.labimport.model import (
    CANCELLED,
    CORRECTED,
    ENTERED_IN_ERROR,
    FINAL,
    NOT_FINAL,
    Incoming,
    LabMessage,
    SentPatient,
)

# OBX-11 observation result status (HL7 table 0085)
RESULT_STATUS = {
    "F": FINAL,
    "U": FINAL,  # a preliminary result made final without resending it
    "C": CORRECTED,
    "P": NOT_FINAL,
    "R": NOT_FINAL,
    "S": NOT_FINAL,
    "I": NOT_FINAL,
    "O": NOT_FINAL,
    "D": CANCELLED,
    "X": CANCELLED,
    "N": CANCELLED,
    "W": ENTERED_IN_ERROR,
}
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
TIMESTAMP = re.compile(r"^\d{8}(\d{2}(\d{2}(\d{2}(\.\d{1,4})?)?)?)?([+-]\d{4})?$")
ACCEPTED_TIME = "YYYYMMDD[HHMM[SS]][±ZZZZ]"


def looks_like_er7(text: str) -> bool:
    return text.lstrip("\ufeff\x0b \r\n").startswith("MSH")


def parse_er7(text: str) -> LabMessage:
    """An ORU^R01 message (one patient; OBR groups of OBX results), or InputError."""
    text = text.lstrip("\ufeff").replace("\x0b", "").replace("\x1c", "")
    text = "\r".join(line for line in re.split(r"\r\n|\n|\r", text) if line.strip())
    try:
        message = hl7.parse(text)
    except Exception as error:  # the library raises several types for broken framing
        raise InputError(
            Problem("MSH", f"not an HL7 v2 message ({error}); accepted: ER7 starting with MSH|^~\\&|")
        ) from error
    return _Reader(message).read()


class _Reader:
    def __init__(self, message: Any) -> None:
        self.m = message
        self.problems: list[Problem] = []
        self.seen: dict[str, int] = {}

    def get(self, segment: str, index: int, field: int, component: int = 1, repeat: int = 1) -> str:
        try:
            value = self.m.extract_field(segment, index, field, repeat, component)
        except (IndexError, KeyError):
            return ""
        return str(value or "").strip()

    def repeats(self, segment: str, index: int, field: int) -> int:
        try:
            seg = self.m.segments(segment)[index - 1]
            return max(1, len(seg[field])) if len(seg) > field else 0
        except (IndexError, KeyError, TypeError):
            return 0

    def read(self) -> LabMessage:
        kind = self._header()
        patient = self._patient()
        results = []
        obr_index = 0
        counts: dict[str, int] = {}
        for segment in self.m:
            name = str(segment[0])
            counts[name] = counts.get(name, 0) + 1
            if name == "OBR":
                obr_index = counts[name]
            elif name == "OBX":
                result = self._result(counts[name], obr_index)
                if result is not None:
                    results.append(result)
        if not results and not self.problems:
            self.problems.append(Problem("OBX", "the message has no results; accepted: OBX segments"))
        if self.problems:
            raise InputError(self.problems)
        return LabMessage(kind, patient, tuple(results))

    def _header(self) -> str:
        kind = self.get("MSH", 1, 9, 1), self.get("MSH", 1, 9, 2)
        if kind != ("ORU", "R01"):
            shown = "^".join(k for k in kind if k) or "none"
            self.problems.append(Problem("MSH.9", f"message type {shown}; accepted: ORU^R01"))
        version = self.get("MSH", 1, 12)
        if not re.fullmatch(r"2\.\d(\.\d)?", version):
            self.problems.append(Problem("MSH.12", f"version {version or 'missing'}; accepted: 2.3 to 2.8"))
        return f"HL7 v{version} ORU^R01"

    def _patient(self) -> SentPatient | None:
        try:
            pids = self.m.segments("PID")
        except KeyError:
            pids = []
        if len(pids) != 1:
            found = "none" if not pids else f"{len(pids)}"
            self.problems.append(Problem("PID", f"{found} found; accepted: exactly one PID (one patient)"))
            return None
        ids: list[tuple[str, str]] = []
        for repeat in range(1, self.repeats("PID", 1, 3) + 1):
            value = self.get("PID", 1, 3, 1, repeat)
            if value:
                ids.append((self.get("PID", 1, 3, 5, repeat).upper(), value))
        ordered = [v for t, v in ids if t == "MR"] + [v for t, v in ids if t != "MR"]
        born = self.get("PID", 1, 7)
        birth: date | None = None
        if born:
            moment = self._time(born, "PID.7")
            birth = moment.date() if isinstance(moment, datetime) else moment
        return SentPatient(
            "PID",
            tuple(dict.fromkeys(ordered)),
            self.get("PID", 1, 5, 1) or None,
            self.get("PID", 1, 5, 2) or None,
            birth,
        )

    def _time(self, text: str, path: str) -> datetime | date | None:
        if not TIMESTAMP.match(text):
            self.problems.append(Problem(path, f"{text!r} is not a date/time; accepted: {ACCEPTED_TIME}"))
            return None
        try:
            if len(text) == 8:
                return datetime.strptime(text, "%Y%m%d").date()
            moment: datetime = hl7.parse_datetime(text)
        except ValueError:
            problem = f"{text!r} is not a real date/time; accepted: {ACCEPTED_TIME}"
            self.problems.append(Problem(path, problem))
            return None
        return moment

    def _result(self, index: int, obr_index: int) -> Incoming | None:
        path = f"OBX[{index}]"
        value_type = self.get("OBX", index, 2).upper()
        codes = tuple(
            (self.get("OBX", index, 3, system), self.get("OBX", index, 3, code))
            for code, system in ((1, 3), (4, 6))
            if self.get("OBX", index, 3, code)
        )
        if not codes:
            self.problems.append(
                Problem(f"{path}.3", "no test code; accepted: code^name^system, e.g. 2823-3^Potassium^LN")
            )
            return None
        status_text = self.get("OBX", index, 11).upper()
        if status_text not in RESULT_STATUS:
            shown = repr(status_text) if status_text else "missing"
            accepted = ", ".join(RESULT_STATUS)
            self.problems.append(
                Problem(f"{path}.11", f"result status {shown}; accepted: {accepted} (HL7 table 0085)")
            )
            return None
        value_text, number = self._value(index, path, value_type)
        collected: datetime | date | None = None
        collected_path = f"{path}.14"
        when = self.get("OBX", index, 14)
        if obr_index and self.get("OBR", obr_index, 7):
            collected_path, when = f"OBR[{obr_index}].7", self.get("OBR", obr_index, 7)
        if when:
            collected = self._time(when, collected_path)
        return Incoming(
            path=path,
            codes=codes,
            code_path=f"{path}.3",
            name=self.get("OBX", index, 3, 2) or codes[0][1],
            value_text=value_text,
            value_path=f"{path}.5",
            number=number,
            unit=self.get("OBX", index, 6, 1),
            ucum=self.get("OBX", index, 6, 1) if self.get("OBX", index, 6, 3).upper() == "UCUM" else "",
            unit_path=f"{path}.6",
            reference=self.get("OBX", index, 7),
            flag=self.get("OBX", index, 8),
            collected=collected,
            collected_path=collected_path,
            status=RESULT_STATUS[status_text],
            status_text=status_text,
        )

    def _value(self, index: int, path: str, value_type: str) -> tuple[str, float | None]:
        if value_type == "SN":  # structured numeric: comparator^number
            comparator, figure = self.get("OBX", index, 5, 1), self.get("OBX", index, 5, 2)
            text = f"{comparator}{figure}"
            if comparator in ("", "=") and NUMBER.match(figure):
                return figure, float(figure)
            if not NUMBER.match(figure):
                self.problems.append(
                    Problem(f"{path}.5", f"{text!r} is not a structured number; accepted: [<|>|<=|>=]^number")
                )
            return text, None
        text = self.get("OBX", index, 5)
        if NUMBER.match(text):
            return text, float(text)
        if value_type == "NM":
            problem = f"{text!r} is not a number (OBX-2 is NM); accepted: a decimal such as 0.82"
            self.problems.append(Problem(f"{path}.5", problem))
        return text, None
