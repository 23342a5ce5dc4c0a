//! The parsers' rules and properties.
use proptest::prelude::*;

use super::*;

fn fields(e: Vec<FieldError>) -> Vec<String> {
    e.into_iter().map(|f| f.field).collect()
}

pub(crate) fn valid() -> EnterpriseInput {
    EnterpriseInput {
        parent: None,
        foreign_name: None,
        abbreviation: None,
        name: "Công ty TNHH Thương mại Hoàng Phát".into(),
        legal_form: LegalForm::MultiMemberLlc,
        office_address: "00070-7PH72VH3+CM-1-8".into(),
        office_street: "12 Tràng Tiền".into(),
        charter_capital: 1_000_000_000,
        main_line: "4610".into(),
        lines: vec!["4610".into(), "62".into()],
        representatives: vec![RepresentativeInput { personal_id: "001203012345".into(), title: "Giám đốc".into() }],
        members: vec![
            MemberInput { personal_id: Some("001203012345".into()), contribution: 600_000_000, ..Default::default() },
            MemberInput {
                tax_code: Some("0100112437".into()),
                name: Some("Công ty cổ phần Mẹ".into()),
                contribution: 400_000_000,
                ..Default::default()
            },
        ],
    }
}

fn today() -> Date {
    time::macros::date!(2026 - 12 - 01)
}

#[test]
fn a_valid_enterprise_parses() {
    let new = valid().parse(today()).unwrap();
    assert_eq!(new.office.commune.to_string(), "00070");
    assert_eq!(new.office.province.to_string(), "01");
    assert_eq!(new.lines, ["4610", "62"]);
    assert_eq!(new.members.len(), 2);
}

#[test]
fn contributions_that_do_not_add_up_are_refused_at_members() {
    let mut input = valid();
    input.charter_capital = 2_000_000_000;
    assert_eq!(fields(input.parse(today()).unwrap_err()), ["members"]);
    let mut private = valid();
    private.legal_form = LegalForm::PrivateEnterprise;
    private.members.truncate(1);
    assert!(private.parse(today()).is_ok(), "a private enterprise's capital is its owner's investment");
}

#[test]
fn every_bad_field_is_named_at_once() {
    let mut input = valid();
    input.name = "  ".into();
    input.office_address = "00070-7PH72VH3+CM-1-9".into();
    input.main_line = "0000".into();
    input.lines.push("9999".into());
    input.representatives[0].personal_id = "12".into();
    input.members[1].tax_code = Some("0100112438".into());
    let got = fields(input.parse(today()).unwrap_err());
    for want in
        ["name", "office_address", "main_line", "lines[2]", "representatives[0].personal_id", "members[1].tax_code"]
    {
        assert!(got.contains(&want.to_owned()), "{want} missing from {got:?}");
    }
}

#[test]
fn members_are_counted_against_the_form() {
    let mut input = valid();
    input.legal_form = LegalForm::JointStock;
    assert_eq!(fields(input.parse(today()).unwrap_err()), ["members"]);
    input.legal_form = LegalForm::SingleMemberLlc;
    assert_eq!(fields(input.parse(today()).unwrap_err()), ["members"]);
}

#[test]
fn a_branch_has_no_capital_of_its_own() {
    let mut input = valid();
    input.parent = Some("0100112437".into());
    assert_eq!(fields(input.parse(today()).unwrap_err()), ["members"]);
    input.charter_capital = 0;
    input.members.clear();
    assert_eq!(input.parse(today()).unwrap().parent.unwrap().to_string(), "0100112437");
}

proptest! {
    #[test]
    fn parsing_never_panics_and_never_accepts_a_bad_tax_code(
        name in "\\PC{0,40}", address in "\\PC{0,30}", code in "[0-9]{10}", capital in any::<i64>(),
    ) {
        let mut input = valid();
        input.name = name;
        input.office_address = address;
        input.charter_capital = capital;
        input.members[1].tax_code = Some(code.clone());
        if let Ok(new) = input.parse(today()) {
            prop_assert!(code.parse::<TaxCode>().is_ok());
            prop_assert_eq!(new.charter_capital, 1_000_000_000);
        }
    }

    #[test]
    fn contributions_add_up_exactly_or_are_refused(a in 1i64..1_000_000_000_000, b in 1i64..1_000_000_000_000, capital in 1i64..3_000_000_000_000) {
        let mut input = valid();
        input.members[0].contribution = a;
        input.members[1].contribution = b;
        input.charter_capital = capital;
        prop_assert_eq!(input.parse(today()).is_ok(), a + b == capital);
    }
}
