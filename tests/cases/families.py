"""A family for a case's child, in one line: the Family tab's tests share it."""

from __future__ import annotations

from cases.models import Case, Child, FamilyLink, Person, Relationship

RELATIONSHIPS = (Relationship.PARENT, Relationship.STEP_PARENT, Relationship.CARER, Relationship.SIBLING)


def add_family(case: Case, size: int, *, child: Child | None = None) -> list[FamilyLink]:
    """``size`` people linked to the case's first child (a parent first, then step-parents,
    carers and siblings in turn), every third not safe to contact and every fourth a risk."""
    child = child or case.children.order_by("date_of_birth").first()
    assert child is not None
    links = []
    for i in range(size):
        person = Person.objects.create(full_name=f"Relative{i} Testfamily", phone=f"07700 900{i:03d}")
        unsafe, risky = i % 3 == 2, i % 4 == 3
        links.append(
            FamilyLink.objects.create(
                child=child,
                person=person,
                relationship=RELATIONSHIPS[i % len(RELATIONSHIPS)],
                parental_responsibility=i == 0,
                lives_with_child=i % 2 == 0,
                safe_to_contact=not unsafe,
                safe_to_contact_reason="Court order" if unsafe else "",
                poses_risk=risky,
                risk_note="Violent to workers" if risky else "",
            )
        )
    return links
