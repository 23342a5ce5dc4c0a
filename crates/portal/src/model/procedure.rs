//! The parts of a procedure's file: its form, its papers, its workflow and its outcome.

use serde::{Deserialize, Serialize};

use super::{Names, Procedure};

/// Sự kiện — a life event under which citizens look for procedures ("Tôi vừa có con", "Tôi chuyển nhà").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LifeEvent {
    /// A child is born.
    Birth,
    /// Marriage.
    Marriage,
    /// Moving home.
    Residence,
    /// A death in the family.
    Death,
    /// Papers for justice and for work abroad.
    Justice,
    /// Starting or running a business.
    Business,
    /// Land and housing.
    Land,
}

impl LifeEvent {
    /// Every life event, in the order the catalogue shows them.
    pub const ALL: [LifeEvent; 7] = [
        LifeEvent::Birth,
        LifeEvent::Marriage,
        LifeEvent::Residence,
        LifeEvent::Death,
        LifeEvent::Justice,
        LifeEvent::Business,
        LifeEvent::Land,
    ];

    /// The stored and query-string name.
    pub fn as_str(self) -> &'static str {
        match self {
            LifeEvent::Birth => "birth",
            LifeEvent::Marriage => "marriage",
            LifeEvent::Residence => "residence",
            LifeEvent::Death => "death",
            LifeEvent::Justice => "justice",
            LifeEvent::Business => "business",
            LifeEvent::Land => "land",
        }
    }
}

/// One field of a procedure's form.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Its name in the form and in the stored dossier: `a–z`, `0–9` and `_`.
    pub name: String,
    /// What the form calls it.
    pub label: Names,
    /// What it holds.
    #[serde(rename = "type")]
    pub kind: FieldKind,
    /// Whether it must be filled in.
    #[serde(default)]
    pub required: bool,
    /// Where its value comes from when the state already holds it (once-only: the citizen never retypes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<Prefill>,
    /// A line under the label that says how to fill it in (`00070-12-345`, "as on the certificate").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Names>,
    /// The longest text it takes, in characters (200 when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<usize>,
    /// For a choice, the values it offers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
}

/// What a form field holds; each kind is parsed on submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines.
    Textarea,
    /// A calendar day, `YYYY-MM-DD`, not in the future.
    Date,
    /// A personal ID number (`kernel::PersonalId`).
    PersonalId,
    /// Male or female.
    Sex,
    /// A household code of the population registry.
    Household,
    /// One of the field's `options`.
    Choice,
    /// An amount in whole đồng, written with or without thousands separators (`1.000.000`).
    Amount,
    /// A digital address (`kernel::DigitalAddress`), which names its commune.
    DigitalAddress,
    /// A tax code (`kernel::TaxCode`): an enterprise's ten digits, a branch's thirteen.
    TaxCode,
}

/// Where a field's value is prefilled from: the applicant's own record in the population registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Prefill {
    /// Their full name.
    FullName,
    /// Their personal ID number.
    PersonalId,
    /// Their date of birth.
    BirthDate,
    /// Their household of permanent residence.
    Household,
    /// Their spouse's personal ID number.
    SpouseId,
}

/// One value a choice field offers.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// The stored value.
    pub value: String,
    /// What the form shows.
    pub label: Names,
}

/// Thành phần hồ sơ — a paper the applicant uploads.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentSpec {
    /// Its kind: `a–z`, `0–9` and `_`.
    pub kind: String,
    /// What the form calls it.
    pub label: Names,
    /// Whether the dossier cannot be submitted without it.
    #[serde(default)]
    pub required: bool,
    /// The largest file taken, in KiB.
    pub max_kib: u32,
    /// The file types taken, sniffed from the bytes.
    pub types: Vec<FileType>,
}

/// A file type an attachment may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    /// PDF.
    Pdf,
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
}

/// One step of a procedure's workflow: which office acts, in which role, and what it may do.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What the step is, as the timeline shows it.
    pub name: Names,
    /// The office that acts.
    pub office: Office,
    /// The role that acts there.
    pub role: StepRole,
    /// What that role may do at this step.
    pub actions: Vec<StepAction>,
}

/// Which office acts at a step, found from where the applicant lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Office {
    /// Ủy ban nhân dân xã — the People's Committee of the applicant's commune (`UBND.<commune>`).
    Commune,
    /// Công an xã — the commune police, who keep residence (`CA.<commune>`).
    CommunePolice,
    /// Ủy ban nhân dân tỉnh — the People's Committee of the province (`UBND.<province>`).
    Province,
    /// Bảo hiểm xã hội tỉnh — the province's social insurance, who issue health-insurance cards (`BHXH.<province>`).
    SocialInsurance,
    /// The procedure's ministry.
    Ministry,
    /// Phòng Đăng ký kinh doanh — the business registration office of the province (`DKKD.<province>`).
    BusinessRegistration,
    /// Văn phòng đăng ký đất đai — the land registration office of the province (`VPDKDD.<province>`).
    LandRegistration,
}

/// The roles that act on dossiers (identity's roles of the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepRole {
    /// Cán bộ tiếp nhận — the one-stop counter.
    OneStopReceiver,
    /// Chuyên viên — examines.
    Specialist,
    /// Lãnh đạo — approves and signs.
    Approver,
}

impl StepRole {
    /// The identity role.
    pub fn role(self) -> identity::Role {
        match self {
            StepRole::OneStopReceiver => identity::Role::OneStopReceiver,
            StepRole::Specialist => identity::Role::Specialist,
            StepRole::Approver => identity::Role::Approver,
        }
    }
}

/// What an official may do at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepAction {
    /// Tiếp nhận — receive a submitted dossier: the clock starts, and the next step has it.
    Accept,
    /// Yêu cầu bổ sung — ask the applicant for more: the clock stops until they answer.
    RequestSupplement,
    /// Từ chối — refuse, with a reason: the dossier ends.
    Reject,
    /// Chuyển — pass the dossier to the next step (possibly another agency).
    Forward,
    /// Phê duyệt — approve and sign: the outcome is applied and the result issued.
    Approve,
}

impl StepAction {
    /// The stored and form name.
    pub fn as_str(self) -> &'static str {
        match self {
            StepAction::Accept => "accept",
            StepAction::RequestSupplement => "request_supplement",
            StepAction::Reject => "reject",
            StepAction::Forward => "forward",
            StepAction::Approve => "approve",
        }
    }
}

impl std::str::FromStr for StepAction {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        [
            StepAction::Accept,
            StepAction::RequestSupplement,
            StepAction::Reject,
            StepAction::Forward,
            StepAction::Approve,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
        .ok_or(())
    }
}

/// Kết quả — what the final approval does, besides issuing the signed result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Registers the child (fields `child_full_name`, `child_birth_date`, `child_sex`, and `other_parent_id`
    /// optionally) with a newly issued personal ID number, in the applicant's household, the parents linked.
    Birth,
    /// Moves the applicant into the household in field `household`, as `relationship`.
    PermanentResidence,
    /// Registers the applicant's temporary residence in the household in field `household` for the number of months
    /// in `months`, from the day of approval.
    TemporaryResidence,
    /// Records the death of the person in field `deceased_id` on `death_date`, and revokes their credentials.
    Death,
    /// Records the marriage of the applicant and the citizen in field `partner_id`: each record names the other.
    Marriage,
    /// Registers an enterprise or household business in the enterprise registry, with a newly issued tax code, the
    /// applicant its owner and legal representative (fields `name`, `legal_form`, `office_address`,
    /// `office_street`, `charter_capital`, `main_line`; `foreign_name`, `abbreviation`, `lines` and
    /// `representative_title` optionally).
    Enterprise,
    /// Transfers or gives the applicant's whole share of the parcel in field `parcel` to the citizen in
    /// `receiver_id` under the contract in `contract` (`transfer_kind`: `transfer` or `gift`), with a new
    /// certificate.
    LandTransfer,
    /// Registers a mortgage of the parcel in field `parcel` by the applicant, to the lender whose tax code is in
    /// `mortgagee`, under the contract in `contract`.
    LandMortgage,
    /// Releases the applicant's open mortgage of the parcel in field `parcel` to the lender whose tax code is in
    /// `mortgagee`, on the lender's confirmation in `release_basis` (xóa đăng ký thế chấp).
    LandMortgageRelease,
    /// Moves the registered office of the enterprise in field `tax_code` to `office_address`, `office_street`;
    /// the applicant must be its legal representative.
    EnterpriseOffice,
    /// Suspends the business of the enterprise in field `tax_code`, or resumes it (`status_change`: `suspend` or
    /// `resume`), from the day of approval; the applicant must be its legal representative.
    EnterpriseStatus,
    /// Only the signed result (a confirmation, a certificate, a copy).
    Document,
}

impl Procedure {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether the last step is `step`.
    pub fn is_last(&self, step: usize) -> bool {
        step + 1 == self.steps.len()
    }

    /// The fields an outcome reads, each with the kind it must have.
    pub fn outcome_needs(&self) -> &'static [(&'static str, FieldKind)] {
        match self.outcome {
            Outcome::Birth => &[
                ("child_full_name", FieldKind::Text),
                ("child_birth_date", FieldKind::Date),
                ("child_sex", FieldKind::Sex),
            ],
            Outcome::PermanentResidence => &[("household", FieldKind::Household), ("relationship", FieldKind::Choice)],
            Outcome::TemporaryResidence => &[("household", FieldKind::Household), ("months", FieldKind::Choice)],
            Outcome::Death => &[("deceased_id", FieldKind::PersonalId), ("death_date", FieldKind::Date)],
            Outcome::Marriage => &[("partner_id", FieldKind::PersonalId)],
            Outcome::Enterprise => &[
                ("name", FieldKind::Text),
                ("legal_form", FieldKind::Choice),
                ("office_address", FieldKind::DigitalAddress),
                ("office_street", FieldKind::Text),
                ("charter_capital", FieldKind::Amount),
                ("main_line", FieldKind::Text),
            ],
            Outcome::EnterpriseOffice => &[
                ("tax_code", FieldKind::TaxCode),
                ("office_address", FieldKind::DigitalAddress),
                ("office_street", FieldKind::Text),
            ],
            Outcome::EnterpriseStatus => &[("tax_code", FieldKind::TaxCode), ("status_change", FieldKind::Choice)],
            Outcome::LandMortgage => {
                &[("parcel", FieldKind::Text), ("mortgagee", FieldKind::TaxCode), ("contract", FieldKind::Text)]
            }
            Outcome::LandMortgageRelease => {
                &[("parcel", FieldKind::Text), ("mortgagee", FieldKind::TaxCode), ("release_basis", FieldKind::Text)]
            }
            Outcome::LandTransfer => &[
                ("parcel", FieldKind::Text),
                ("receiver_id", FieldKind::PersonalId),
                ("transfer_kind", FieldKind::Choice),
                ("contract", FieldKind::Text),
            ],
            Outcome::Document => &[],
        }
    }
}
