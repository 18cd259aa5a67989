"""The case's family: who is linked to the case's children, and the one thing recorded about a
family member from the Family tab, whether they are safe to contact and whether they pose a risk.

Reads start from the policy's ``CaseAccess`` and follow only the case's own children: a person
linked to a child on another case is shown with their link to this case's child, never with
the other child. The write is checked against the policy (``EDIT_CASE``) and logged, as the
case edit is."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from access_control.policy import Action, CaseAccess
from cases.models import CaseStatus, Child, FamilyLink, Relationship
from cases.services import checked

NEEDS_REASON = "Say why this person must not be contacted (for example, a court order or a risk to the child)."
NEEDS_NOTE = "Say what the risk is, so that anyone visiting the family knows."


def case_family(access: CaseAccess) -> list[Child]:
    """The case's children, oldest first, each with their family links and the linked people:
    three queries, whatever the size of the family."""
    links = FamilyLink.objects.select_related("person").order_by("relationship", "person__full_name", "pk")
    children = access.case.children.prefetch_related(Prefetch("family_links", queryset=links))
    return list(children.order_by("date_of_birth", "family_name", "given_names", "pk"))


def family_links(children: list[Child]) -> list[FamilyLink]:
    """Every link of these children, for the relationships table: parents first, then step-parents,
    carers, siblings and others (as the diagram stands), each person's links together."""
    rows = [link for child in children for link in child.family_links.all()]
    for link in rows:
        link.child = next(child for child in children if child.pk == link.child_id)
    order = {relationship: i for i, relationship in enumerate(Relationship.values)}
    place = {child.pk: i for i, child in enumerate(children)}
    return sorted(
        rows,
        key=lambda link: (
            order.get(link.relationship, len(order)),
            link.person.full_name.casefold(),
            str(link.person_id),
            place[link.child_id],
        ),
    )


def case_family_link(access: CaseAccess, link_id: int | str) -> FamilyLink | None:
    """One family link of one of this case's children, or None (a link of another case's child,
    or no such link: the caller answers 404)."""
    links: QuerySet[FamilyLink] = FamilyLink.objects.select_related("person", "child")
    return links.filter(pk=link_id, child__cases=access.case).first()


@checked(Action.EDIT_CASE)
def update_contact_safety(
    *,
    access: CaseAccess,
    link: FamilyLink,
    safe_to_contact: bool,
    safe_to_contact_reason: str = "",
    poses_risk: bool,
    risk_note: str = "",
) -> FamilyLink:
    """Record whether a family member is safe to contact (with the reason when not) and whether
    they pose a risk (with a note when they do). Every error is reported at once; a reason or
    note that no longer applies is cleared, so nothing stale is shown."""
    link = FamilyLink.objects.select_for_update().select_related("person", "child").get(pk=link.pk)
    if not link.child.cases.filter(pk=access.case.pk).exists():
        raise ValidationError("That family member is not linked to a child on this case.")
    if access.case.status == CaseStatus.CLOSED:
        raise ValidationError("This case is closed.")
    reason, note = safe_to_contact_reason.strip(), risk_note.strip()
    errors: dict[str, str] = {}
    if not safe_to_contact and not reason:
        errors["safe_to_contact_reason"] = NEEDS_REASON
    if poses_risk and not note:
        errors["risk_note"] = NEEDS_NOTE
    if errors:
        raise ValidationError(errors)
    link.safe_to_contact = safe_to_contact
    link.safe_to_contact_reason = "" if safe_to_contact else reason
    link.poses_risk = poses_risk
    link.risk_note = note if poses_risk else ""
    link.full_clean()
    link.save(update_fields=["safe_to_contact", "safe_to_contact_reason", "poses_risk", "risk_note"])
    access.log("edit_family_link", object_type="familylink", object_id=link.pk)
    return link
