"""Which student a row of a vendor's result file is: by our id, local id, state id, or name and birth date.

Vendors' files name students their own way. A row is matched by the first of
these it carries, among the students the importing institution may record for
(`ledger.access`, the one rule; nobody else is ever a candidate):

1. `student`: our opaque id (a UUID);
2. `local_id`: the institution's own student number;
3. `state_id`: the state student id (Ohio SSID, Missouri MOSIS id, Colorado
   SASID), as the roster gave it to the vault;
4. `name` + `birth_date`: both, together.

One exact match is the student. None is an error naming the field. Several
(two students with one local id, state id, or name and birth date), or a
name that matches only once case, spacing or accents are set aside ("zoe
  garcia" for "Zoë García"), is a row for review: the registrar picks one of
the candidates, or skips the row, before anything is recorded. Never a guess.

A row matched by a stronger key must agree with the weaker ones it also
carries (a local id and another student's state id is an error naming
`state_id`). Errors never repeat a name, a birth date or a state id: the
registrar has the file; the messages may be logged or shown elsewhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from web.roster import StudentIdentity, folded

# The columns that identify a student; never kept as evidence (names, birth dates and state ids are PII).
IDENTITY_COLUMNS = ("student", "local_id", "state_id", "name", "birth_date")
STUDENT, LOCAL_ID, STATE_ID, NAME = "student", "local_id", "state_id", "name and birth date"


@dataclass(frozen=True)
class Match:
    """The student a row is (`student`), or the candidates for review, or the errors (`field: problem`)."""

    student: str | None = None
    candidates: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    by: str = ""  # which key found it: student | local_id | state_id | name and birth date


def name_key(text: str) -> str:
    """A name as matched loosely: case, accents and spacing set aside."""
    return " ".join(folded(text).split())


def state_key(text: str) -> str:
    """A state id as the roster import stores it (upper case); spaces a spreadsheet added are dropped."""
    return "".join(text.split()).upper()


class StudentMatcher:
    """Matches rows among `people`: the identities of the students the institution may record for."""

    def __init__(self, people: Iterable[StudentIdentity]):
        self.people = {p.student_id: p for p in people}
        self._local: dict[str, list[str]] = {}
        self._state: dict[str, list[str]] = {}
        self._named: dict[tuple[str, str], list[str]] = {}
        for p in self.people.values():
            self._local.setdefault(folded(p.local_id), []).append(p.student_id)
            if p.state_id:
                self._state.setdefault(state_key(p.state_id), []).append(p.student_id)
            if p.name and p.birth_date:
                self._named.setdefault((name_key(p.name), p.birth_date), []).append(p.student_id)

    def match(self, cells: Mapping[str, str], birth_date: str | None) -> Match:
        """The row's student. `birth_date` is the row's birth date as YYYY-MM-DD (None: none given, or not a
        date, which the caller reports)."""
        student_text, local_id = cells.get("student", ""), cells.get("local_id", "")
        state_id, name = cells.get("state_id", ""), cells.get("name", "")
        if student_text:
            found = self._by_student(student_text, local_id)
        elif local_id:
            found = self._one(self._local.get(folded(local_id), []), LOCAL_ID,
                              f"local_id: none of your students has local id {local_id!r}; register them first")
        elif state_id:
            found = self._one(self._state.get(state_key(state_id), []), STATE_ID,
                              "state_id: none of your students has this state id")
        elif name or birth_date or cells.get("birth_date"):
            found = self._by_name(name, birth_date, cells.get("birth_date", ""))
        else:
            return Match(errors=("local_id: required (or student, state_id, or name and birth_date)",))
        if found.student:
            return self._agreeing(found, state_id, name, birth_date)
        return found

    def _by_student(self, text: str, local_id: str) -> Match:
        try:
            student = str(uuid.UUID(text))
        except ValueError:
            return Match(errors=("student: not a student id (a UUID)",))
        if student not in self.people:  # another institution's student is answered as an unknown one
            return Match(errors=("student: no student has this id",))
        if local_id and folded(local_id) != folded(self.people[student].local_id):
            return Match(errors=("local_id: does not match the student id on the same line",))
        return Match(student=student, by=STUDENT)

    def _one(self, matches: list[str], by: str, none: str) -> Match:
        if not matches:
            return Match(errors=(none,))
        if len(matches) > 1:
            return Match(candidates=tuple(sorted(matches)), by=by)
        return Match(student=matches[0], by=by)

    def _by_name(self, name: str, birth_date: str | None, birth_text: str) -> Match:
        if not name:
            return Match(errors=("name: required with birth_date (or give local_id or state_id)",))
        if not birth_text:
            return Match(errors=("birth_date: required with name (or give local_id or state_id)",))
        if birth_date is None:
            return Match()  # the caller names the bad date
        loose = sorted(self._named.get((name_key(name), birth_date), []))
        if not loose:
            return Match(errors=("name: none of your students has this name and birth date",))
        if len(loose) == 1 and self.people[loose[0]].name == name:
            return Match(student=loose[0], by=NAME)
        return Match(candidates=tuple(loose), by=NAME)  # several, or a spelling that is not the roster's

    def _agreeing(self, found: Match, state_id: str, name: str, birth_date: str | None) -> Match:
        person = self.people[str(found.student)]
        errors = []
        if state_id and found.by != STATE_ID and state_key(state_id) != state_key(person.state_id):
            errors.append(f"state_id: not the state id of the student found by {found.by}")
        if name and found.by != NAME and name_key(name) != name_key(person.name):
            errors.append(f"name: not the name of the student found by {found.by}")
        if birth_date and found.by != NAME and birth_date != person.birth_date:
            errors.append(f"birth_date: not the birth date of the student found by {found.by}")
        return Match(errors=tuple(errors)) if errors else found
