"""The HSDS directory is built from the registry and the rules in force, not the catalogue."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.domain.directory import Agency, RuleInForce, hsds_directory, hsds_id

AT = datetime(2026, 11, 2, tzinfo=UTC)


def rule(scope: str, agencies: tuple[str, ...], removed: bool = False) -> RuleInForce:
    return RuleInForce("JKN-PBI", scope, agencies, None if removed else 5, 2, removed, AT)


def test_an_agency_lists_the_services_whose_rules_in_force_name_it() -> None:
    agencies = [
        Agency("DINSOS", "Dinas Sosial", "Social Affairs", "opd"),
        Agency("NEW", "B", "B", "opd"),
    ]
    rules = [
        rule("", ("DINSOS",)),
        rule("32.15.02", ("NEW", "DINSOS")),
        rule("32.15.03", ("NEW",), removed=True),
    ]
    names = {"JKN-PBI": ("PBI JKN", "Subsidised health insurance")}
    dinsos, new = hsds_directory(agencies, rules, names)["organizations"]
    (service,) = dinsos["services"]
    assert service["id"] == hsds_id("service", "JKN-PBI")
    assert (service["name"], service["description"]) == names["JKN-PBI"]
    assert {a["tag"]: a["value"] for a in service["attributes"]} == {
        "sla_working_days": "5",
        "routing_position": "1",
        "rule_version": "2",
        "sla_working_days:32.15.02": "5",
        "routing_position:32.15.02": "2",
        "rule_version:32.15.02": "2",
    }
    (only_override,) = new["services"]
    assert {a["tag"] for a in only_override["attributes"]} == {
        "sla_working_days:32.15.02",
        "routing_position:32.15.02",
        "rule_version:32.15.02",
    }


def test_a_service_without_names_is_shown_by_its_code() -> None:
    (organization,) = hsds_directory([Agency("X1", "X", "X", "opd")], [rule("", ("X1",))], {})[
        "organizations"
    ]
    assert organization["services"][0]["name"] == "JKN-PBI"
