"""Colorado: industry certificates on the district's Menu of Options, for English and math.

Each district decides which certificates are on its Menu of Options and
whether each meets the English competency, the math competency, or both. A
certificate counts when it was on the student's district's Menu in the school
year it was earned.
"""

from __future__ import annotations

from ledger.pathways.context import Context, year_text
from ledger.pathways.facts import Counted, RuleResult
from ledger.statelists import school_year_of, terms_in


def menu_competency(ctx: Context) -> RuleResult:
    competency, label = ctx.rule.params["competency"], ctx.rule.params["label"]
    district = ctx.facts.district
    if district is None:
        return ctx.result("unknown", "Cannot tell: the student's district is not recorded.",
                          missing=["the student's district (whose Menu of Options applies)"])
    district_name = ctx.facts.district_name or district
    counted, notes = [], []
    for c in ctx.credentials():
        terms = ctx.book.terms("CO", c.credential, school_year_of(c.earned), district)
        if terms is None:
            notes.append(f"{c.name} was not on {district_name}'s Menu of Options in {year_text(c.earned)}.")
        elif terms[competency]:
            counted.append(Counted(c.award, c.credential, c.name, f"meets {label}"))
        else:
            notes.append(f"{c.name} is on the Menu of Options but does not meet {label}.")
    if counted:
        return ctx.result("met", f"Met: {counted[0].name} meets the {label} competency.", counted=counted,
                          notes=notes)
    year = school_year_of(ctx.cutoff)
    options = [ctx.book.name(code) for code, segments in ctx.book.listed("CO", district)
               if (terms := terms_in(segments, year)) is not None and terms[competency]]
    missing = [f"an industry certificate on {district_name}'s Menu of Options that meets {label}"
               + (f" ({', '.join(options)})" if options else " (none is listed yet)")]
    return ctx.result("not met", f"Not met: no certificate the student earned meets {label}.", missing=missing,
                      notes=notes)
