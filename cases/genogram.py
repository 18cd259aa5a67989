"""A case's family drawn as a genogram-style diagram: an SVG made on the server from plain data.

``draw(family)`` is a pure function: the same family gives the same markup, byte for byte,
whatever order its people and links arrive in. ``family_of(children)`` reads the case's
children (with their ``family_links`` and each link's ``person`` already fetched) into that
data; it follows links from the case's own children only, so a child of another case linked
to the same person is never reached.

The layout is in rows, as a genogram is: the adults who parent or care for the children above,
the children of the case and their brothers and sisters in the middle, other relatives and
friends beside them. Everyone who lives with a child is drawn inside the household's boundary
(the household stands first in each row, so the boundary is one outline). Lines run from each
adult to each child they are linked to, drawn by relationship: solid for a parent, dashed for
a step-parent, dotted for a carer; brothers and sisters, and others, are joined to the child
below the row. Children are drawn by sex where it is known (square male, circle female,
diamond otherwise); people's sex is not recorded, so they are neutral rounded rectangles.
Markers carry words and a shape, never colour alone: "PR" (parental responsibility), "Do not
contact", "Risk".

Every text is escaped (names are what people typed). No ``style`` attribute and no script: the
page's strict CSP allows neither, so the drawing uses presentation attributes and classes
(styled in static/css/tandem.css)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cases.models import Child

# --- the data -------------------------------------------------------------------------------

PARENT, STEP_PARENT, CARER, SIBLING, OTHER = "parent", "step_parent", "carer", "sibling", "other"
ADULT_RELATIONSHIPS = (PARENT, STEP_PARENT, CARER)
RELATIONSHIP_WORDS = {
    PARENT: "Parent",
    STEP_PARENT: "Step-parent",
    CARER: "Carer",
    SIBLING: "Sibling",
    OTHER: "Other",
}
# The order relationships are named and drawn in.
RELATIONSHIP_ORDER = {name: i for i, name in enumerate((PARENT, STEP_PARENT, CARER, SIBLING, OTHER))}


@dataclass(frozen=True)
class ChildNode:
    key: str
    name: str
    sex: str = "not_known"  # male, female, intersex, not_known
    detail: str = ""  # e.g. "Age 7"


@dataclass(frozen=True)
class PersonNode:
    key: str
    name: str


@dataclass(frozen=True)
class Link:
    child: str  # a ChildNode's key
    person: str  # a PersonNode's key
    relationship: str
    parental_responsibility: bool = False
    lives_with_child: bool = False
    safe_to_contact: bool = True
    poses_risk: bool = False


@dataclass(frozen=True)
class Family:
    children: tuple[ChildNode, ...] = ()
    people: tuple[PersonNode, ...] = ()
    links: tuple[Link, ...] = ()


def _age(born: date | None, today: date) -> str:
    if born is None:
        return "Age not known"
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if years < 1:
        months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
        return f"Age {max(months, 0)} months"
    return f"Age {years}"


def family_of(children: Iterable[Child], *, today: date) -> Family:
    """The diagram's data from the case's children, their links and the linked people (all
    fetched already: no query runs here). Only these children's links are followed."""
    child_nodes: list[ChildNode] = []
    people: dict[str, PersonNode] = {}
    links: list[Link] = []
    for child in children:
        child_nodes.append(
            ChildNode(key=str(child.pk), name=child.full_name, sex=child.sex, detail=_age(child.date_of_birth, today))
        )
        for link in child.family_links.all():
            person = link.person
            people[str(person.pk)] = PersonNode(key=str(person.pk), name=person.full_name)
            links.append(
                Link(
                    child=str(child.pk),
                    person=str(person.pk),
                    relationship=link.relationship,
                    parental_responsibility=link.parental_responsibility,
                    lives_with_child=link.lives_with_child,
                    safe_to_contact=link.safe_to_contact,
                    poses_risk=link.poses_risk,
                )
            )
    return Family(children=tuple(child_nodes), people=tuple(people.values()), links=tuple(links))


# --- the layout -----------------------------------------------------------------------------

NODE_W = 140  # each person's slot is this wide, plus the gap
GAP = 12
MARGIN = 12
SYMBOL = 36  # a child's square, circle or diamond
PERSON_W, PERSON_H = 56, 32  # a person's rounded rectangle
LINE_H = 16  # one line of text
MARKER_H = 19
NAME_CHARS = 18  # a name is wrapped at about this many characters a line, in two lines at most
ROW_GAP = 64  # between the adults' row and the children's
LANE_GAP = 9  # between the lines drawn under the children's row
HOUSEHOLD_PAD = 8
HOUSEHOLD_LABEL = "Lives with the child"
SHOWN_SCALE = 1.3
WIDE = 400  # units: wider than two people a row

# Characters XML 1.0 does not allow at all (a name pasted with a control character must not
# make the page's markup invalid).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value), quote=True)


def _wrap(name: str, width: int = NAME_CHARS, lines: int = 2) -> list[str]:
    """A name in at most ``lines`` lines, broken between words; what does not fit ends in "…"."""
    words = _NOT_XML.sub("", name).split() or [""]
    out: list[str] = []
    current = ""
    for word in words:
        while len(word) > width:  # a very long word is cut where it must be
            if current:
                out.append(current)
                current = ""
            out.append(word[:width])
            word = word[width:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out or [""]


@dataclass
class _Node:
    key: str
    name: str
    kind: str  # "child" or "person"
    sex: str = ""
    role: str = ""
    markers: tuple[str, ...] = ()
    household: bool = False
    x: float = 0  # the centre of the slot
    y: float = 0  # the top of the symbol
    lines: list[str] = field(default_factory=list)

    @property
    def symbol_bottom(self) -> float:
        return self.y + SYMBOL  # a person's rectangle is centred in the same height as a child's symbol

    @property
    def height(self) -> float:
        return (self.symbol_bottom - self.y) + 6 + LINE_H * (len(self.lines) + 1) + MARKER_H * len(self.markers)

    @property
    def bottom(self) -> float:
        return self.y + self.height


def _people_by_kind(family: Family) -> tuple[list[_Node], list[_Node]]:
    """The adults' row and the others who stand beside the children, each person's relationship
    words and markers gathered over their links (to this case's children only)."""
    child_keys = {child.key for child in family.children}
    links_of: dict[str, list[Link]] = {}
    for link in family.links:
        if link.child in child_keys:
            links_of.setdefault(link.person, []).append(link)
    adults: list[tuple[tuple[object, ...], _Node]] = []
    beside: list[tuple[tuple[object, ...], _Node]] = []
    for person in family.people:
        links = links_of.get(person.key)
        if not links:
            continue  # linked to no child of this case: not drawn
        relationships = sorted({link.relationship for link in links}, key=lambda r: RELATIONSHIP_ORDER.get(r, 99))
        markers = []
        if any(link.parental_responsibility for link in links):
            markers.append("pr")
        if not all(link.safe_to_contact for link in links):
            markers.append("no_contact")
        if any(link.poses_risk for link in links):
            markers.append("risk")
        node = _Node(
            key=person.key,
            name=person.name,
            kind="person",
            role=", ".join(RELATIONSHIP_WORDS.get(r, r.title()) for r in relationships).capitalize(),
            markers=tuple(markers),
            household=any(link.lives_with_child for link in links),
        )
        first = RELATIONSHIP_ORDER.get(relationships[0], 99)
        order = (not node.household, first, node.name.casefold(), node.name, node.key)
        (adults if relationships[0] in ADULT_RELATIONSHIPS else beside).append((order, node))
    return [node for _, node in sorted(adults, key=lambda pair: pair[0])], [
        node for _, node in sorted(beside, key=lambda pair: pair[0])
    ]


@dataclass
class _Layout:
    top: list[_Node]
    middle: list[_Node]
    width: float
    height: float
    middle_bottom: float
    lanes: int


def _layout(family: Family) -> _Layout:
    adults, beside = _people_by_kind(family)
    children = [
        _Node(key=child.key, name=child.name, kind="child", sex=child.sex, role=child.detail, household=True)
        for child in family.children
    ]
    # The household first in the middle row, so its boundary is one outline.
    middle = children + [n for n in beside if n.household] + [n for n in beside if not n.household]
    for node in adults + middle:
        node.lines = _wrap(node.name)
    columns = max(len(adults), len(middle), 1)
    width = MARGIN * 2 + columns * NODE_W + (columns - 1) * GAP
    label_room = LINE_H + 4  # the household's label above the first row
    top_y = MARGIN + label_room
    for i, node in enumerate(adults):
        node.x, node.y = MARGIN + i * (NODE_W + GAP) + NODE_W / 2, top_y
    top_bottom = max((n.bottom for n in adults), default=top_y - ROW_GAP / 2)
    middle_y = top_bottom + ROW_GAP
    for i, node in enumerate(middle):
        node.x, node.y = MARGIN + i * (NODE_W + GAP) + NODE_W / 2, middle_y
    middle_bottom = max((n.bottom for n in middle), default=middle_y)
    lanes = sum(1 for link in _below_links(family, middle) if link)
    height = middle_bottom + HOUSEHOLD_PAD + (lanes + 1) * LANE_GAP + MARGIN
    return _Layout(top=adults, middle=middle, width=width, height=height, middle_bottom=middle_bottom, lanes=lanes)


def _below_links(family: Family, middle: Sequence[_Node]) -> list[tuple[_Node, list[_Node], str]]:
    """Each sibling's or other person's links, drawn under the middle row (one lane each)."""
    by_key = {node.key: node for node in middle}
    found = []
    for node in middle:
        if node.kind != "person":
            continue
        links = sorted(
            (link for link in family.links if link.person == node.key and link.child in by_key),
            key=lambda link: by_key[link.child].x,
        )
        if links:
            style = SIBLING if all(link.relationship == SIBLING for link in links) else OTHER
            found.append((node, [by_key[link.child] for link in links], style))
    return found


# --- the drawing ----------------------------------------------------------------------------

LINE_CLASSES = {
    PARENT: ("genogram-line-parent", ""),
    STEP_PARENT: ("genogram-line-step-parent", "8 5"),
    CARER: ("genogram-line-carer", "0.1 5"),
    SIBLING: ("genogram-line-sibling", ""),
    OTHER: ("genogram-line-other", "10 4 2 4"),
}
INK = "#1b1f24"
MUTED = "#4a5560"
DANGER = "#a4161a"


def _n(value: float) -> str:
    """A coordinate, always written the same way."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _line_attributes(relationship: str) -> str:
    css, dashes = LINE_CLASSES.get(relationship, LINE_CLASSES[OTHER])
    width = "1.5" if relationship in (SIBLING, OTHER) else "2.6" if relationship == CARER else "2"
    dash = f' stroke-dasharray="{dashes}"' if dashes else ""
    caps = ' stroke-linecap="round"' if relationship == CARER else ""
    return f'class="genogram-line {css}" fill="none" stroke="{INK}" stroke-width="{width}"{dash}{caps}'


def _symbol(node: _Node) -> str:
    x, y = node.x, node.y
    if node.kind == "person":
        return (
            f'<rect class="genogram-symbol genogram-person" x="{_n(x - PERSON_W / 2)}" '
            f'y="{_n(y + (SYMBOL - PERSON_H) / 2)}" '
            f'width="{PERSON_W}" height="{PERSON_H}" rx="10" fill="#ffffff" stroke="{INK}" stroke-width="2"/>'
        )
    half = SYMBOL / 2
    cy = y + half
    common = f'fill="#ffffff" stroke="{INK}" stroke-width="2"'
    # A child of the case is drawn with a double outline (a genogram's mark for the person the
    # diagram is about).
    if node.sex == "male":
        shape = "genogram-male"
        outer = f'<rect x="{_n(x - half)}" y="{_n(y)}" width="{SYMBOL}" height="{SYMBOL}" {common}/>'
        inner = f'<rect x="{_n(x - half + 4)}" y="{_n(y + 4)}" width="{SYMBOL - 8}" height="{SYMBOL - 8}" {common}/>'
    elif node.sex == "female":
        shape = "genogram-female"
        outer = f'<circle cx="{_n(x)}" cy="{_n(cy)}" r="{_n(half)}" {common}/>'
        inner = f'<circle cx="{_n(x)}" cy="{_n(cy)}" r="{_n(half - 4)}" {common}/>'
    else:
        shape = "genogram-sex-not-known"

        def diamond(r: float) -> str:
            points = f"{_n(x)},{_n(cy - r)} {_n(x + r)},{_n(cy)} {_n(x)},{_n(cy + r)} {_n(x - r)},{_n(cy)}"
            return f'<polygon points="{points}" {common}/>'

        outer, inner = diamond(half + 2), diamond(half - 4)
    return f'<g class="genogram-symbol {shape}">{outer}{inner}</g>'


MARKER_WORDS = {"pr": "PR", "no_contact": "Do not contact", "risk": "Risk"}


def _marker_shape(kind: str, left: float, y: float) -> str:
    """A marker's shape, 15 wide from ``left``, sitting on the baseline ``y``."""
    colour = DANGER if kind in ("no_contact", "risk") else INK
    if kind == "pr":
        return (
            f'<rect x="{_n(left + 1)}" y="{_n(y - 11)}" width="13" height="13" rx="2" fill="none" '
            f'stroke="{colour}" stroke-width="1.5"/><path d="M{_n(left + 4)},{_n(y - 4.5)} l3,3 l5,-6" fill="none" '
            f'stroke="{colour}" stroke-width="1.5"/>'
        )
    if kind == "no_contact":
        return (
            f'<circle cx="{_n(left + 7.5)}" cy="{_n(y - 4.5)}" r="6" fill="none" stroke="{colour}" stroke-width="1.8"/>'
            f'<path d="M{_n(left + 3.3)},{_n(y - 8.7)} L{_n(left + 11.7)},{_n(y - 0.3)}" stroke="{colour}" '
            f'stroke-width="1.8"/>'
        )
    return (
        f'<path d="M{_n(left + 7.5)},{_n(y - 12)} L{_n(left + 14.5)},{_n(y + 1)} L{_n(left + 0.5)},{_n(y + 1)} Z" '
        f'fill="none" stroke="{colour}" stroke-width="1.6" stroke-linejoin="round"/>'
        f'<path d="M{_n(left + 7.5)},{_n(y - 7.5)} v4 M{_n(left + 7.5)},{_n(y - 1.6)} v0.6" stroke="{colour}" '
        f'stroke-width="1.6"/>'
    )


def _marker(kind: str, x: float, y: float) -> str:
    """One marker: a shape and its words, centred on ``x``, its text's baseline at ``y``."""
    words = MARKER_WORDS[kind]
    left = x - (len(words) * 6.6 + 18) / 2
    colour = DANGER if kind in ("no_contact", "risk") else INK
    return (
        f'<g class="genogram-marker genogram-marker-{kind.replace("_", "-")}">{_marker_shape(kind, left, y)}'
        f'<text x="{_n(left + 18)}" y="{_n(y)}" fill="{colour}" font-size="12" font-weight="700">'
        f"{_text(words)}</text></g>"
    )


def _node(node: _Node) -> str:
    parts = [f'<g class="genogram-node genogram-{node.kind}">', f"<title>{_text(node.name)}</title>", _symbol(node)]
    y = node.symbol_bottom + 6 + 12
    for line in node.lines:
        parts.append(
            f'<text class="genogram-name" x="{_n(node.x)}" y="{_n(y)}" text-anchor="middle" fill="{INK}" '
            f'font-size="13" font-weight="700">{_text(line)}</text>'
        )
        y += LINE_H
    if node.role:
        parts.append(
            f'<text class="genogram-role" x="{_n(node.x)}" y="{_n(y)}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="12">{_text(node.role)}</text>'
        )
    y += LINE_H + 3
    for kind in node.markers:
        parts.append(_marker(kind, node.x, y))
        y += MARKER_H
    parts.append("</g>")
    return "".join(parts)


def _household(layout: _Layout) -> str:
    """One outline around who lives with the child: the household stands first in each row."""
    top = [n for n in layout.top if n.household]
    middle = [n for n in layout.middle if n.household]
    if not middle:
        return ""
    pad, half = HOUSEHOLD_PAD, NODE_W / 2 + GAP / 2 - 2
    left = MARGIN - pad + 2
    bottom = max(n.bottom for n in middle) + pad
    mid_top = middle[0].y - pad - 4
    mid_right = middle[-1].x + half
    if top:
        top_top = top[0].y - pad - 4
        top_right = top[-1].x + half
        top_bottom = max(n.bottom for n in top) + pad
        if top_right > mid_right:
            points = [(left, top_top), (top_right, top_top), (top_right, top_bottom), (mid_right, top_bottom)]
        elif top_right < mid_right:
            points = [(left, top_top), (top_right, top_top), (top_right, mid_top), (mid_right, mid_top)]
        else:
            points = [(left, top_top), (top_right, top_top)]
        points += [(mid_right, bottom), (left, bottom)]
        label_y = top_top - 5
    else:
        points = [(left, mid_top), (mid_right, mid_top), (mid_right, bottom), (left, bottom)]
        label_y = mid_top - 5
    path = "M" + " L".join(f"{_n(px)},{_n(py)}" for px, py in points) + " Z"
    return (
        f'<g class="genogram-household"><path d="{path}" fill="none" stroke="{MUTED}" stroke-width="1.5" '
        f'stroke-dasharray="6 4" stroke-linejoin="round"/>'
        f'<text x="{_n(left + 4)}" y="{_n(label_y)}" fill="{MUTED}" font-size="12" font-style="italic">'
        f"{_text(HOUSEHOLD_LABEL)}</text></g>"
    )


def _lines(family: Family, layout: _Layout) -> str:
    parts: list[str] = []
    children = {node.key: node for node in layout.middle if node.kind == "child"}
    adults = {node.key: node for node in layout.top}
    adult_links = sorted(
        (link for link in family.links if link.person in adults and link.child in children),
        key=lambda link: (adults[link.person].x, children[link.child].x, link.relationship),
    )
    for link in adult_links:
        adult, child = adults[link.person], children[link.child]
        # Each adult's line ends a little apart on the child's top, so lines stay distinguishable.
        linked = [a for a in layout.top if any(o.person == a.key and o.child == child.key for o in adult_links)]
        spread = (linked.index(adult) - (len(linked) - 1) / 2) * 7
        start_y, end_y = adult.bottom + 2, child.y - 3
        parts.append(
            f'<path d="M{_n(adult.x)},{_n(start_y)} L{_n(child.x + spread)},{_n(end_y)}" '
            f"{_line_attributes(link.relationship)}/>"
        )
    lane_y = layout.middle_bottom + HOUSEHOLD_PAD + LANE_GAP
    for node, targets, style in _below_links(family, layout.middle):
        xs = [node.x] + [t.x for t in targets]
        drops = " ".join(f"M{_n(x)},{_n(lane_y)} L{_n(x)},{_n(_drop_top(x, node, targets))}" for x in xs)
        parts.append(
            f'<path d="M{_n(min(xs))},{_n(lane_y)} L{_n(max(xs))},{_n(lane_y)} {drops}" {_line_attributes(style)}/>'
        )
        lane_y += LANE_GAP
    return "".join(parts)


def _drop_top(x: float, node: _Node, targets: list[_Node]) -> float:
    for candidate in [node, *targets]:
        if candidate.x == x:
            return candidate.bottom + 2
    return node.bottom + 2


def _empty(title: str, title_id: str, desc_id: str) -> str:
    message = "No children or family members are recorded for this case."
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="genogram genogram-empty" viewBox="0 0 360 60" '
        f'width="360" height="60" role="img" aria-labelledby="{title_id} {desc_id}">'
        f'<title id="{title_id}">{_text(title)}</title><desc id="{desc_id}">{_text(message)}</desc>'
        f'<text x="12" y="34" fill="{MUTED}" font-size="14">{_text(message)}</text></svg>'
    )


def describe(family: Family) -> str:
    """The diagram in one sentence (its ``<desc>``): counts only; the table says the rest."""
    children, people = len(family.children), len({link.person for link in family.links})
    child_words = "1 child" if children == 1 else f"{children} children"
    people_words = "1 family member" if people == 1 else f"{people} family members"
    return (
        f"{child_words} and {people_words}. Lines join each adult to the children they are linked to; "
        "the household is outlined. The table after the diagram lists every relationship in words."
    )


def draw(
    family: Family,
    *,
    title: str = "Family diagram",
    title_id: str = "genogram-title",
    desc_id: str = "genogram-desc",
) -> str:
    """The family as SVG markup: deterministic, escaped, with no style attribute or script."""
    family = Family(
        children=family.children,
        people=tuple(sorted(family.people, key=lambda p: (p.name.casefold(), p.name, p.key))),
        links=tuple(
            sorted(
                family.links,
                key=lambda one: (one.child, one.person, RELATIONSHIP_ORDER.get(one.relationship, 99), one.relationship),
            )
        ),
    )
    if not family.children and not family.people:
        return _empty(title, title_id, desc_id)
    layout = _layout(family)
    width, height = _n(layout.width), _n(layout.height)
    # Drawn a little larger than its units where there is room (the page lets it shrink to fit).
    shown_width, shown_height = _n(layout.width * SHOWN_SCALE), _n(layout.height * SHOWN_SCALE)
    # Three people a row or more: a phone lets it scroll sideways rather than shrink past reading.
    classes = "genogram genogram-wide" if layout.width > WIDE else "genogram"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{classes}" viewBox="0 0 {width} {height}" '
        f'width="{shown_width}" height="{shown_height}" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">'
        f'<title id="{title_id}">{_text(title)}</title><desc id="{desc_id}">{_text(describe(family))}</desc>'
        f"{_household(layout)}"
        f'<g class="genogram-lines">{_lines(family, layout)}</g>'
        f'<g class="genogram-people">{"".join(_node(n) for n in layout.top + layout.middle)}</g>'
        "</svg>"
    )


# --- the legend -----------------------------------------------------------------------------

LEGEND_LINES = (
    (PARENT, "Parent"),
    (STEP_PARENT, "Step-parent"),
    (CARER, "Carer"),
    (SIBLING, "Brother or sister (joined below)"),
    (OTHER, "Other relative or friend (joined below)"),
)


def legend() -> str:
    """The key to the diagram, as an HTML list with a small drawing for each item (it wraps on a
    phone, where a key inside the drawing would shrink with it)."""

    def sample(inner: str, width: int = 40) -> str:
        return (
            f'<svg class="genogram-key-sample" viewBox="0 0 {width} 18" width="{width}" height="18" '
            f'aria-hidden="true" focusable="false">{inner}</svg>'
        )

    items = [
        (sample(f'<path d="M2,9 L38,9" {_line_attributes(relationship)}/>'), words)
        for relationship, words in LEGEND_LINES
    ]
    common = f'fill="#ffffff" stroke="{INK}" stroke-width="2"'
    items += [
        (sample(f'<rect x="12" y="2" width="14" height="14" {common}/>'), "Boy (square)"),
        (sample(f'<circle cx="20" cy="9" r="7.5" {common}/>'), "Girl (circle)"),
        (sample(f'<polygon points="20,1 28,9 20,17 12,9" {common}/>'), "Sex not known (diamond)"),
        (sample(f'<rect x="8" y="3" width="24" height="13" rx="5" {common}/>'), "Adult or relative"),
        (
            sample(
                f'<rect x="2" y="2" width="36" height="14" rx="3" fill="none" stroke="{MUTED}" stroke-width="1.5" '
                'stroke-dasharray="6 4"/>'
            ),
            "Household: lives with the child",
        ),
        (
            sample(_marker_shape("pr", 4, 15), 24),
            "PR: has parental responsibility",
        ),
        (sample(_marker_shape("no_contact", 4, 15), 24), "Do not contact"),
        (sample(_marker_shape("risk", 4, 15), 24), "Risk: may harm the child or a worker"),
    ]
    rows = "".join(f"<li>{drawing}<span>{_text(words)}</span></li>" for drawing, words in items)
    return f'<ul class="genogram-key" aria-label="Key to the family diagram">{rows}</ul>'
