from intake.domain.access import Caller, may_read_complaint, may_register_for

VILLAGE = "32.15.02.2001"
OPERATOR = Caller("op", "operator", VILLAGE, "32.15")
NEIGHBOUR = Caller("op2", "operator", "32.15.02.2002", "32.15")
STAFF = Caller("ds", "district", None, "32.15")
OTHER_STAFF = Caller("ds2", "district", None, "32.16")


def test_the_operator_reads_the_complaints_of_their_own_village_only() -> None:
    assert may_read_complaint(OPERATOR, VILLAGE)
    assert not may_read_complaint(NEIGHBOUR, VILLAGE)


def test_district_staff_read_every_complaint_of_their_regency_only() -> None:
    assert may_read_complaint(STAFF, VILLAGE)
    assert not may_read_complaint(OTHER_STAFF, VILLAGE)


def test_a_regency_prefix_is_matched_at_a_code_boundary() -> None:
    # 32.1 is not the regency of 32.15's villages
    assert not may_read_complaint(Caller("ds3", "district", None, "32.1"), VILLAGE)


def test_an_unknown_kind_of_caller_reads_nothing() -> None:
    assert not may_read_complaint(Caller("x", "agency", VILLAGE, "32.15"), VILLAGE)


def test_only_the_village_operator_registers_for_the_village() -> None:
    assert may_register_for(OPERATOR, VILLAGE)
    assert not may_register_for(NEIGHBOUR, VILLAGE)
    assert not may_register_for(STAFF, VILLAGE)
