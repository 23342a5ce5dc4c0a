//! The records of the enterprise registry and their closed sets.

use std::str::FromStr;

use kernel::{AdminUnitCode, DigitalAddress, PersonalId, TaxCode};
use serde::{Deserialize, Serialize};

/// Loại hình doanh nghiệp — the legal form, which decides how many members an enterprise has and whether their
/// contributions must add up to the charter capital (Luật Doanh nghiệp 2020; Luật Hợp tác xã 2023; Nghị định
/// 01/2021 for household businesses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LegalForm {
    /// Doanh nghiệp tư nhân — owned by one person, with no charter capital of its own (their investment).
    PrivateEnterprise,
    /// Công ty TNHH một thành viên — one owner, who holds the whole charter capital.
    SingleMemberLlc,
    /// Công ty TNHH hai thành viên trở lên — 2 to 50 members.
    MultiMemberLlc,
    /// Công ty cổ phần — at least 3 shareholders.
    JointStock,
    /// Công ty hợp danh — at least 2 general partners.
    Partnership,
    /// Hợp tác xã — at least 5 members.
    Cooperative,
    /// Hộ kinh doanh — a household business, registered at the commune, with no charter capital.
    HouseholdBusiness,
}

impl LegalForm {
    /// Every form, in the order forms list them.
    pub const ALL: [LegalForm; 7] = [
        LegalForm::SingleMemberLlc,
        LegalForm::MultiMemberLlc,
        LegalForm::JointStock,
        LegalForm::PrivateEnterprise,
        LegalForm::Partnership,
        LegalForm::Cooperative,
        LegalForm::HouseholdBusiness,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            LegalForm::PrivateEnterprise => "private_enterprise",
            LegalForm::SingleMemberLlc => "single_member_llc",
            LegalForm::MultiMemberLlc => "multi_member_llc",
            LegalForm::JointStock => "joint_stock",
            LegalForm::Partnership => "partnership",
            LegalForm::Cooperative => "cooperative",
            LegalForm::HouseholdBusiness => "household_business",
        }
    }

    /// The interface-string key of its name.
    pub fn label_key(self) -> String {
        format!("enterprise.form.{}", self.as_str())
    }

    /// How many members or owners the form has, at least and at most.
    pub fn members(self) -> (usize, usize) {
        match self {
            LegalForm::PrivateEnterprise | LegalForm::SingleMemberLlc | LegalForm::HouseholdBusiness => (1, 1),
            LegalForm::MultiMemberLlc => (2, 50),
            LegalForm::JointStock => (3, 10_000),
            LegalForm::Partnership => (2, 10_000),
            LegalForm::Cooperative => (5, 10_000),
        }
    }

    /// Whether the members' contributions must add up to the charter capital exactly. A private enterprise's and a
    /// household business's capital is the owner's investment, declared, not contributed shares.
    pub fn contributions_make_the_capital(self) -> bool {
        !matches!(self, LegalForm::PrivateEnterprise | LegalForm::HouseholdBusiness)
    }
}

impl FromStr for LegalForm {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LegalForm::ALL.into_iter().find(|f| f.as_str() == s).ok_or(())
    }
}

/// Tình trạng pháp lý — where an enterprise stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Đang hoạt động.
    Active,
    /// Tạm ngừng kinh doanh.
    Suspended,
    /// Đang làm thủ tục giải thể.
    InDissolution,
    /// Đã giải thể.
    Dissolved,
    /// Đã phá sản (a court's decision).
    Bankrupt,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 5] =
        [Status::Active, Status::Suspended, Status::InDissolution, Status::Dissolved, Status::Bankrupt];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::InDissolution => "in_dissolution",
            Status::Dissolved => "dissolved",
            Status::Bankrupt => "bankrupt",
        }
    }

    /// The interface-string key of its name.
    pub fn label_key(self) -> String {
        format!("enterprise.state.{}", self.as_str())
    }

    /// Whether the record may still change (representatives, office, capital): not once dissolution began.
    pub fn open(self) -> bool {
        matches!(self, Status::Active | Status::Suspended)
    }

    /// Whether an enterprise may go from this status to `to`: suspension and resumption go both ways; dissolution
    /// begins from an open status and ends in dissolution; bankruptcy may be declared until the enterprise is gone.
    pub fn may_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Active, Suspended)
                | (Suspended, Active)
                | (Active | Suspended, InDissolution)
                | (InDissolution, Dissolved)
                | (Active | Suspended | InDissolution, Bankrupt)
        )
    }
}

impl FromStr for Status {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

/// Trụ sở chính — the registered office: a digital address (which names its commune) and the street address as
/// written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = RegisteredOffice)]
pub struct Office {
    /// The digital address.
    #[schema(value_type = String, example = "00070-7PH72VH3+CM-1-8")]
    pub address: DigitalAddress,
    /// Số nhà, đường: as written.
    pub street: String,
    /// The commune (from the digital address).
    #[schema(value_type = String, example = "00070")]
    pub commune: AdminUnitCode,
    /// Its province.
    #[schema(value_type = String, example = "01")]
    pub province: AdminUnitCode,
}

impl Office {
    /// The office at `address`, its commune and province taken from the address itself.
    pub fn at(address: DigitalAddress, street: String) -> Office {
        let commune = address.commune();
        Office { province: commune.province(), commune, address, street }
    }

    /// The whole address as a reader writes it: street, commune, province.
    pub fn written(&self) -> String {
        format!("{}, {}, {}", self.street, self.commune.unit().name, self.province.unit().name)
    }
}

/// A legal representative, a citizen of the population registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Representative {
    /// Số định danh cá nhân.
    #[schema(value_type = String, example = "001203012345")]
    pub personal_id: PersonalId,
    /// The name the population registry holds.
    pub full_name: String,
    /// Chức danh: Giám đốc, Tổng giám đốc, Chủ tịch…
    pub title: String,
}

/// A member, shareholder or owner and their contribution to the charter capital.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Member {
    /// A citizen's personal ID number, for a person.
    #[schema(value_type = Option<String>, example = "001203012345")]
    pub personal_id: Option<PersonalId>,
    /// An organisation's tax code, for an enterprise.
    #[schema(value_type = Option<String>, example = "0100112437")]
    pub tax_code: Option<TaxCode>,
    /// The name.
    pub name: String,
    /// Vốn góp, whole đồng.
    pub contribution: i64,
}

/// An enterprise or branch as the registry holds it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Enterprise {
    /// Mã số thuế: 10 digits, or 13 for a branch.
    #[schema(value_type = String, example = "0100112437")]
    pub tax_code: TaxCode,
    /// For a branch, the enterprise it belongs to.
    #[schema(value_type = Option<String>, example = "0100112437")]
    pub parent: Option<TaxCode>,
    /// Tên tiếng Việt.
    pub name: String,
    /// Tên bằng tiếng nước ngoài.
    pub foreign_name: Option<String>,
    /// Tên viết tắt.
    pub abbreviation: Option<String>,
    /// Loại hình.
    pub legal_form: LegalForm,
    /// Trụ sở chính.
    pub office: Office,
    /// Vốn điều lệ, whole đồng (0 for a branch, which has none of its own).
    pub charter_capital: i64,
    /// Ngành nghề chính: a VSIC 2018 code among `lines`.
    pub main_line: String,
    /// Every business line, VSIC 2018 codes.
    pub lines: Vec<String>,
    /// Người đại diện theo pháp luật.
    pub representatives: Vec<Representative>,
    /// Thành viên, cổ đông or owner (none for a branch).
    pub members: Vec<Member>,
    /// Tình trạng.
    pub status: Status,
    /// Since when, `YYYY-MM-DD`.
    pub status_since: String,
    /// Ngày đăng ký lần đầu, `YYYY-MM-DD`.
    pub registered_on: String,
    /// The record's version, from 1.
    pub version: i64,
}

/// What the national business-registration portal shows anyone: name, code, address, legal form, status and the
/// representatives' names — never their ID numbers, the members or the capital.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicEnterprise {
    /// Mã số thuế.
    #[schema(value_type = String, example = "0100112437")]
    pub tax_code: TaxCode,
    /// Tên tiếng Việt.
    pub name: String,
    /// Tên bằng tiếng nước ngoài.
    pub foreign_name: Option<String>,
    /// Tên viết tắt.
    pub abbreviation: Option<String>,
    /// Địa chỉ trụ sở, as written.
    pub address: String,
    /// Loại hình.
    pub legal_form: LegalForm,
    /// Tình trạng.
    pub status: Status,
    /// Người đại diện theo pháp luật: names only.
    pub representatives: Vec<String>,
}

impl From<&Enterprise> for PublicEnterprise {
    fn from(e: &Enterprise) -> Self {
        PublicEnterprise {
            tax_code: e.tax_code,
            name: e.name.clone(),
            foreign_name: e.foreign_name.clone(),
            abbreviation: e.abbreviation.clone(),
            address: e.office.written(),
            legal_form: e.legal_form,
            status: e.status,
            representatives: e.representatives.iter().map(|r| r.full_name.clone()).collect(),
        }
    }
}

/// One version of an enterprise's record, with who changed it, when and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Version {
    /// Version number, from 1.
    pub version: i64,
    /// Who: an account's username, or `generate`.
    pub changed_by: String,
    /// Why: the legal basis or dossier.
    pub reason: String,
    /// When, RFC 3339.
    pub changed_at: String,
    /// The record as it was.
    pub record: Enterprise,
}

/// One status an enterprise has had.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusEntry {
    /// The status.
    pub status: Status,
    /// From when, `YYYY-MM-DD`.
    pub effective_on: String,
    /// Why.
    pub reason: String,
    /// Who recorded it.
    pub changed_by: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_sets_read_back_what_they_store() {
        for form in LegalForm::ALL {
            assert_eq!(form.as_str().parse(), Ok(form));
        }
        for status in Status::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        assert_eq!("llc".parse::<LegalForm>(), Err(()));
        assert_eq!("closed".parse::<Status>(), Err(()));
    }

    #[test]
    fn dissolution_goes_one_way_and_ends() {
        assert!(Status::Active.may_become(Status::Suspended));
        assert!(Status::Suspended.may_become(Status::Active));
        assert!(Status::Active.may_become(Status::InDissolution));
        assert!(!Status::Active.may_become(Status::Dissolved));
        assert!(Status::InDissolution.may_become(Status::Dissolved));
        assert!(!Status::InDissolution.may_become(Status::Active));
        for to in Status::ALL {
            assert!(!Status::Dissolved.may_become(to));
            assert!(!Status::Bankrupt.may_become(to));
        }
        assert!(!Status::InDissolution.open());
    }

    #[test]
    fn forms_decide_members_and_capital() {
        assert_eq!(LegalForm::SingleMemberLlc.members(), (1, 1));
        assert_eq!(LegalForm::MultiMemberLlc.members(), (2, 50));
        assert_eq!(LegalForm::JointStock.members().0, 3);
        assert!(LegalForm::JointStock.contributions_make_the_capital());
        assert!(!LegalForm::PrivateEnterprise.contributions_make_the_capital());
    }
}
