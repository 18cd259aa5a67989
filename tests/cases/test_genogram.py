"""The family diagram (cases.genogram): a pure function from a family to SVG, so these tests
need no database. Each parses what it draws, as a browser would."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any, cast

from cases.genogram import NAME_CHARS, ChildNode, Family, Link, PersonNode, draw, family_of, legend

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    # The markup is the code under test's own output, parsed to prove it well-formed.
    return ET.fromstring(svg)  # noqa: S314


def one(root: ET.Element, tag: str) -> ET.Element:
    found = root.find(f"{SVG}{tag}")
    assert found is not None, tag
    return found


def attr(element: ET.Element, name: str) -> str:
    value = element.get(name)
    assert value is not None, name
    return value


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def nodes(root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if f"genogram-{kind}" in (g.get("class") or "").split()]


def lines(root: ET.Element, relationship: str) -> list[ET.Element]:
    return [
        path for path in root.iter(f"{SVG}path") if f"genogram-line-{relationship}" in (path.get("class") or "").split()
    ]


def known_family() -> Family:
    children = (ChildNode("c1", "Amelia Hart", "female", "Age 7"), ChildNode("c2", "Noah Hart", "male", "Age 4"))
    people = (
        PersonNode("p1", "Sarah Hart"),
        PersonNode("p2", "Daniel Cooper"),
        PersonNode("p3", "Liam Price"),
        PersonNode("p4", "Grace Hart"),
        PersonNode("p5", "Margaret Hart"),
    )
    links = (
        Link("c1", "p1", "parent", parental_responsibility=True, lives_with_child=True),
        Link("c2", "p1", "parent", parental_responsibility=True, lives_with_child=True),
        Link("c1", "p2", "parent", parental_responsibility=True, safe_to_contact=False, poses_risk=True),
        Link("c2", "p2", "parent", parental_responsibility=True, safe_to_contact=False, poses_risk=True),
        Link("c1", "p3", "step_parent", lives_with_child=True),
        Link("c2", "p3", "carer", lives_with_child=True),
        Link("c1", "p4", "sibling", lives_with_child=True),
        Link("c2", "p4", "sibling", lives_with_child=True),
        Link("c1", "p5", "other"),
    )
    return Family(children, people, links)


def test_a_known_family_is_drawn_with_its_people_lines_and_markers():
    root = parsed(draw(known_family()))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "genogram-title genogram-desc"
    assert one(root, "title").get("id") == "genogram-title"
    assert "2 children and 5 family members" in str(one(root, "desc").text)
    assert len(nodes(root, "child")) == 2
    assert len(nodes(root, "person")) == 5
    words = texts(root)
    for name in ("Amelia Hart", "Noah Hart", "Sarah Hart", "Daniel Cooper", "Liam Price", "Grace Hart"):
        assert name in words
    assert {"Parent", "Step-parent, carer", "Sibling", "Other", "Age 7", "Age 4"} <= set(words)
    # A line from each adult to each child they are linked to, drawn by relationship.
    assert len(lines(root, "parent")) == 4
    assert len(lines(root, "step-parent")) == 1
    assert len(lines(root, "carer")) == 1
    assert len(lines(root, "sibling")) == 1  # one joining line for the sister, to both children
    assert len(lines(root, "other")) == 1
    assert lines(root, "step-parent")[0].get("stroke-dasharray")
    assert lines(root, "carer")[0].get("stroke-dasharray") != lines(root, "step-parent")[0].get("stroke-dasharray")
    assert lines(root, "parent")[0].get("stroke-dasharray") is None
    # Markers in words (and a shape each): PR twice, the father's do not contact and risk once.
    assert words.count("PR") == 2
    assert words.count("Do not contact") == 1
    assert words.count("Risk") == 1
    # Sex where known; people (whose sex is not recorded) are neutral rounded rectangles.
    assert len(nodes(root, "female")) == 1 and len(nodes(root, "male")) == 1
    assert all(rect.get("rx") for rect in root.iter(f"{SVG}rect") if "genogram-person" in (rect.get("class") or ""))
    # The household (who lives with the child) is outlined and named.
    assert nodes(root, "household") and "Lives with the child" in words


def test_adults_stand_above_the_children_and_the_household_first():
    root = parsed(draw(known_family()))
    tops = {str(one(g, "title").text): g for g in nodes(root, "node")}

    def y(name: str) -> float:
        return float(attr(one(tops[name], "text"), "y"))

    def x(name: str) -> float:
        return float(attr(one(tops[name], "text"), "x"))

    assert y("Sarah Hart") == y("Liam Price") == y("Daniel Cooper") < y("Amelia Hart")
    assert y("Amelia Hart") == y("Grace Hart") == y("Margaret Hart")
    # In the household first: the mother and step-parent before the father who lives elsewhere.
    assert x("Sarah Hart") < x("Liam Price") < x("Daniel Cooper")
    assert x("Amelia Hart") < x("Noah Hart") < x("Grace Hart") < x("Margaret Hart")


def test_every_text_is_escaped():
    family = Family(
        children=(ChildNode("c1", "<script>alert(1)</script> & Co", "not_known"),),
        people=(PersonNode("p1", 'Ann "O\'Neil" <b>&amp;</b>\x07'),),
        links=(Link("c1", "p1", "parent"),),
    )
    svg = draw(family, title="Family of <case> & co")
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&amp; Co" in svg
    root = parsed(svg)  # still well-formed XML: the bell character is dropped
    words = texts(root)
    assert "<script>alert(1)</script> & Co" in "".join(words)  # what was typed, read back as text
    assert any(text.startswith('Ann "O\'Neil"') for text in words)
    assert one(root, "title").text == "Family of <case> & co"
    assert not re.search(r"\sstyle=", svg) and "<script" not in svg


def test_the_same_family_in_any_order_draws_the_same_svg():
    family = known_family()
    first = draw(family)
    assert draw(family) == first
    rng = random.Random(14)
    for _ in range(5):
        people, links = list(family.people), list(family.links)
        rng.shuffle(people)
        rng.shuffle(links)
        assert draw(Family(family.children, tuple(people), tuple(links))) == first


def test_an_empty_family_says_so():
    svg = draw(Family())
    root = parsed(svg)
    assert root.get("role") == "img"
    assert "No children or family members are recorded" in str(one(root, "desc").text)
    assert "No children or family members are recorded" in " ".join(texts(root))


def test_children_with_nobody_linked_are_drawn_alone():
    root = parsed(draw(Family(children=(ChildNode("c1", "Ava Stone", "female"),))))
    assert len(nodes(root, "child")) == 1
    assert not nodes(root, "person")
    assert "1 child and 0 family members" in str(one(root, "desc").text)


def test_a_person_linked_to_no_child_of_the_case_is_not_drawn():
    family = Family(
        children=(ChildNode("c1", "Ava Stone", "female"),),
        people=(PersonNode("p1", "Mia Stone"), PersonNode("p2", "Elsewhere Person")),
        links=(Link("c1", "p1", "parent"), Link("other-case-child", "p2", "parent")),
    )
    svg = draw(family)
    assert "Elsewhere Person" not in svg
    assert len(lines(parsed(svg), "parent")) == 1


def test_a_large_family_is_still_valid_svg_with_everyone_on_it():
    children = tuple(ChildNode(f"c{i}", f"Child Number{i} Longfamilyname", ("male", "female")[i % 2]) for i in range(4))
    people = tuple(PersonNode(f"p{i}", f"Person {i} With A Rather Long Hyphenated-Name") for i in range(12))
    relationships = ("parent", "step_parent", "carer", "sibling", "other")
    links = tuple(
        Link(
            child.key,
            person.key,
            relationships[i % 5],
            parental_responsibility=i % 2 == 0,
            lives_with_child=i % 3 == 0,
            safe_to_contact=i % 4 != 0,
            poses_risk=i % 5 == 0,
        )
        for i, person in enumerate(people)
        for child in children[: 1 + i % 4]
    )
    svg = draw(Family(children, people, links))
    root = parsed(svg)
    assert len(nodes(root, "person")) == 12 and len(nodes(root, "child")) == 4
    width = float(attr(root, "viewBox").split()[2])
    # Every node sits inside the drawing.
    for text in root.iter(f"{SVG}text"):
        assert 0 <= float(attr(text, "x")) <= width
    assert all("…" in t or len(t) <= NAME_CHARS for t in texts(root) if t.startswith("Person"))


def test_family_of_reads_only_the_case_children_links():
    class Links:
        def __init__(self, rows):
            self.rows = rows

        def all(self):
            return self.rows

    class Row:
        def __init__(self, person, relationship):
            self.person, self.relationship = person, relationship
            self.parental_responsibility = self.lives_with_child = self.poses_risk = False
            self.safe_to_contact = True

    class Named:
        def __init__(self, pk, full_name):
            self.pk, self.full_name = pk, full_name

    class FakeChild(Named):
        def __init__(self, pk, full_name, born, rows):
            super().__init__(pk, full_name)
            self.sex, self.date_of_birth, self.family_links = "female", born, Links(rows)

    mother = Named("m", "Mia Stone")
    child = FakeChild("c", "Ava Stone", date(2019, 6, 2), [Row(mother, "parent")])
    family = family_of([cast(Any, child)], today=date(2026, 6, 1))  # a stand-in with what it reads
    assert family.children == (ChildNode("c", "Ava Stone", "female", "Age 6"),)
    assert family.people == (PersonNode("m", "Mia Stone"),)
    assert family.links == (Link("c", "m", "parent"),)


def test_the_legend_names_every_line_shape_and_marker():
    key = legend()
    for words in (
        "Parent",
        "Step-parent",
        "Carer",
        "Boy (square)",
        "Girl (circle)",
        "Household",
        "PR",
        "Do not contact",
    ):
        assert words in key
    assert not re.search(r"\sstyle=", key)
    parsed(key)
