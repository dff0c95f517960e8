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


def test_kecamatan_staff_see_their_kecamatan_and_the_secretariat_its_regency() -> None:
    from referral.domain.staff import InvalidStaffAccountError, checked_account

    kecamatan = Staff("kecamatan", "32.15", "32.15.02")
    assert kecamatan.sees("32.15.02.2001") and not kecamatan.sees("32.15.03.2001")
    assert not kecamatan.works_cases
    secretariat = Staff("secretariat", "32.15")
    assert secretariat.sees("32.15.03.2001") and not secretariat.sees("32.16.03.2001")
    assert secretariat.works_cases
    assert checked_account("kecamatan", "32.15.02", " Budi  S ") == (
        "kecamatan",
        "32.15.02",
        "Budi S",
    )
    for kind, area, name in (("kecamatan", "32.15", "A"), ("secretariat", "32.15.02", "A")):
        try:
            checked_account(kind, area, name)
        except InvalidStaffAccountError as exc:
            assert exc.code == "staff_area_invalid"
        else:
            raise AssertionError((kind, area))
