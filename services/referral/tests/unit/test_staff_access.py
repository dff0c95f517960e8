from referral.domain.staff import Staff


def test_district_staff_see_the_cases_of_their_regency_only() -> None:
    karawang = Staff("district", "32.15")
    assert karawang.sees("32.15.02.2001")
    assert not karawang.sees("32.16.02.2001")
    assert not karawang.sees("32.150.02.2001")  # a prefix of the code is not the regency


def test_the_admin_sees_every_case_and_staff_without_a_regency_see_none() -> None:
    assert Staff("admin").sees("33.01.01.2001")
    assert not Staff("district", None).sees("32.15.02.2001")


def test_codes_the_shared_parser_refuses_keep_the_character_test() -> None:
    # The events' contract admits a `00` segment; such a case stays visible to its regency.
    karawang = Staff("district", "32.15")
    assert karawang.sees("32.15.00.2001")
    assert not karawang.sees("32.15") and not Staff("district", "").sees("32.15.02.2001")
