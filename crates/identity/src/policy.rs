//! The one policy module: every protected action is decided here and nowhere else. **Deny by default**: an action
//! is allowed only by a rule below that names it.

use crate::model::{Principal, Role, Territory};

/// Something a caller wants to do, with the territory it touches where that matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See one's own account.
    ViewOwnAccount,
    /// List every account of the installation.
    ListAccounts,
    /// See the officials working in a territory (an official's is every territory their roles and pending grants
    /// reach) and create agencies there.
    ManageOfficials(Territory),
    /// Change an official's powers or account in a territory: create an official, grant a role (or ask for it),
    /// take one away, disable the account. `whose` says whether the account is the caller's own: no one changes
    /// their own powers, so that what an administrator may do is always someone else's decision.
    ChangeOfficial {
        /// The territory of the role, or each territory the official's roles reach.
        territory: Territory,
        /// Whether the official is the caller.
        whose: Whose,
    },
    /// Approve or refuse a pending grant of a role over a territory (four eyes): never by the administrator who
    /// asked for it, nor by the one who would hold it.
    DecideGrant {
        /// The territory the role would reach.
        territory: Territory,
        /// Whether the caller asked for the grant.
        requester: Whose,
        /// Whether the caller would hold the role.
        grantee: Whose,
    },
    /// Open the back office of officials at all: what it then shows is narrowed by [`Action::ManageOfficials`].
    OpenOfficialsOffice,
    /// Read a citizen's record, households and addresses in a territory (the citizen's commune of residence;
    /// the nation for a citizen with none).
    ReadPopulation(Territory),
    /// Register or change citizens, households and addresses in a territory.
    WritePopulation(Territory),
    /// Change a citizen's assurance level after checking their identity in person, in the territory
    /// of the citizen's record (the nation for a citizen with no commune).
    ChangeAssurance(Territory),
    /// Reconcile payments with the bank's statements, see the payments held for review and the transfers naming
    /// no bill, decide held payments and refund paid bills: what it shows or touches is narrowed to the agencies
    /// the caller is finance officer of ([`agencies`]).
    ReconcilePayments,
    /// Read an enterprise's full record (its representatives' and members' personal data) in a territory: the
    /// commune of its registered office.
    ReadEnterprises(Territory),
    /// Register an enterprise or change its record (representatives, office, capital, status) in a territory:
    /// for a move, both the office's old commune and its new one.
    WriteEnterprises(Territory),
    /// Read the land registry in a territory (the parcel's commune): parcels, their users, certificates and
    /// history.
    ReadLand(Territory),
    /// Register parcels and record transactions on them in a territory (the parcel's commune).
    WriteLand(Territory),
    /// Work at a health facility: write prescriptions for its patients, and read and dispense a prescription a
    /// patient brings, whoever wrote it. Which facility is narrowed to the agencies the caller is health worker of
    /// ([`agencies_of`]); the health slice decides what each kind of facility may do.
    HealthCare,
    /// Teach at a school: enrol its pupils, enter their marks and conduct, read their school records. Which
    /// school is narrowed to the agencies the caller is teacher of ([`agencies_of`]); signing a year takes the
    /// principal's approver role in the same school's agency as well.
    Teach,
}

/// Whose account an action touches, as far as the policy cares: the caller's own or someone else's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// The caller's own account.
    Own,
    /// Another account.
    Other,
}

impl Whose {
    /// Whether the account `account_id` is `principal`'s own.
    pub fn of(principal: &Principal, account_id: i64) -> Whose {
        if principal.account_id == account_id { Whose::Own } else { Whose::Other }
    }
}

/// A refusal. Deliberately says nothing about why: callers answer 403 (or 404 where existence is private).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not allowed")]
pub struct Denied;

fn has_role(principal: &Principal, role: Role, over: Territory) -> bool {
    principal.roles.iter().any(|r| r.role == role && r.territory.covers(over))
}

/// The territories in which `principal` holds `role`: `None` for the whole nation, else the units (possibly
/// none). Searches use it to look only where the caller may look.
pub fn territories(principal: &Principal, role: Role) -> Option<Vec<kernel::AdminUnitCode>> {
    let mut units = Vec::new();
    if principal.must_enrol_mfa() {
        return Some(units);
    }
    for r in principal.roles.iter().filter(|r| r.role == role) {
        match r.territory {
            Territory::Nation => return None,
            Territory::Unit(u) => units.push(u),
        }
    }
    Some(units)
}

/// The agencies in which `principal` holds `role` (a role held with no agency counts for none): what a view of
/// agencies' records (payments) is narrowed to.
pub fn agencies(principal: &Principal, role: Role) -> Vec<kernel::AgencyCode> {
    if principal.must_enrol_mfa() {
        return Vec::new();
    }
    principal.roles.iter().filter(|r| r.role == role).filter_map(|r| r.agency.clone()).collect()
}

/// Decides whether `principal` may do `action`.
pub fn authorize(principal: &Principal, action: Action) -> Result<(), Denied> {
    if allows(principal, action) {
        Ok(())
    } else {
        tracing::info!(account_id = principal.account_id, ?action, "authorization refused");
        Err(Denied)
    }
}

/// The same decision as [`authorize`], without logging a refusal: for narrowing a list to what the caller may see,
/// where a "no" is routine.
pub fn allows(principal: &Principal, action: Action) -> bool {
    match action {
        Action::ViewOwnAccount => true,
        // Until the second factor is on, an official's session can only look after its own account.
        _ if principal.must_enrol_mfa() => false,
        Action::ListAccounts => has_role(principal, Role::Administrator, Territory::Nation),
        Action::ManageOfficials(t) => has_role(principal, Role::Administrator, t),
        Action::ChangeOfficial { territory, whose } => {
            whose == Whose::Other && has_role(principal, Role::Administrator, territory)
        }
        Action::DecideGrant { territory, requester, grantee } => {
            requester == Whose::Other && grantee == Whose::Other && has_role(principal, Role::Administrator, territory)
        }
        Action::OpenOfficialsOffice => principal.roles.iter().any(|r| r.role == Role::Administrator),
        Action::ReadPopulation(t) | Action::WritePopulation(t) => has_role(principal, Role::RegistryClerk, t),
        // The registry clerk who keeps the citizen's record is the one who sees them and their papers in person.
        Action::ChangeAssurance(t) => has_role(principal, Role::RegistryClerk, t),
        Action::ReconcilePayments => !agencies(principal, Role::FinanceOfficer).is_empty(),
        Action::ReadEnterprises(t) | Action::WriteEnterprises(t) => has_role(principal, Role::BusinessRegistrar, t),
        Action::ReadLand(t) | Action::WriteLand(t) => has_role(principal, Role::LandOfficer, t),
        Action::HealthCare => !agencies(principal, Role::HealthWorker).is_empty(),
        Action::Teach => !agencies(principal, Role::Teacher).is_empty(),
    }
}

/// Whether `principal` may act on a dossier in `role` at `agency`, for an applicant living in `territory`: they
/// must hold that role in that very agency, over a territory that includes the applicant's. A dossier is
/// worked only where it is; an official of another agency, or of the same agency in another role, may not.
pub fn authorize_dossier(
    principal: &Principal,
    role: Role,
    agency: &kernel::AgencyCode,
    territory: Territory,
) -> Result<(), Denied> {
    let holds = !principal.must_enrol_mfa()
        && principal
            .roles
            .iter()
            .any(|r| r.role == role && r.agency.as_ref() == Some(agency) && r.territory.covers(territory));
    if holds {
        Ok(())
    } else {
        tracing::info!(account_id = principal.account_id, ?role, %agency, "dossier action refused");
        Err(Denied)
    }
}

/// The agencies in which `principal` holds `role`: where their work queue is.
pub fn agencies_of(principal: &Principal, role: Role) -> Vec<kernel::AgencyCode> {
    if principal.must_enrol_mfa() {
        return Vec::new();
    }
    let mut agencies: Vec<_> =
        principal.roles.iter().filter(|r| r.role == role).filter_map(|r| r.agency.clone()).collect();
    agencies.sort();
    agencies.dedup();
    agencies
}

impl From<Denied> for web::AppError {
    fn from(_: Denied) -> Self {
        web::AppError::Forbidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountKind, AuthMethod, RoleAssignment};

    fn principal(roles: Vec<RoleAssignment>) -> Principal {
        Principal {
            account_id: 1,
            username: "u".into(),
            display_name: "U".into(),
            kind: AccountKind::Official,
            roles,
            method: AuthMethod::Session,
            personal_id: None,
            assurance_level: crate::assurance::AssuranceLevel::One,
            mfa_enabled: true,
        }
    }

    fn unit(code: &str) -> Territory {
        Territory::Unit(code.parse().unwrap())
    }

    fn holding(role: Role, territory: Territory) -> Principal {
        principal(vec![RoleAssignment { role, agency: None, territory }])
    }

    #[test]
    fn nothing_is_allowed_without_a_rule() {
        let nobody = principal(vec![]);
        assert_eq!(authorize(&nobody, Action::ListAccounts), Err(Denied));
        assert_eq!(authorize(&nobody, Action::ViewOwnAccount), Ok(()));
    }

    #[test]
    fn a_provincial_administrator_cannot_act_for_the_nation() {
        let hanoi = Territory::Unit("01".parse().unwrap());
        let local = principal(vec![RoleAssignment { role: Role::Administrator, agency: None, territory: hanoi }]);
        assert_eq!(authorize(&local, Action::ListAccounts), Err(Denied));
        let national =
            principal(vec![RoleAssignment { role: Role::Administrator, agency: None, territory: Territory::Nation }]);
        assert_eq!(authorize(&national, Action::ListAccounts), Ok(()));
    }

    #[test]
    fn health_care_is_for_a_health_worker_of_some_facility() {
        assert_eq!(authorize(&holding(Role::HealthWorker, Territory::Nation), Action::HealthCare), Err(Denied));
        assert_eq!(authorize(&holding(Role::LandOfficer, Territory::Nation), Action::HealthCare), Err(Denied));
        let doctor = principal(vec![RoleAssignment {
            role: Role::HealthWorker,
            agency: Some("KCB.01001".parse().unwrap()),
            territory: unit("01"),
        }]);
        assert_eq!(authorize(&doctor, Action::HealthCare), Ok(()));
    }

    #[test]
    fn teaching_is_for_a_teacher_of_some_school() {
        assert_eq!(authorize(&holding(Role::Teacher, Territory::Nation), Action::Teach), Err(Denied));
        assert_eq!(authorize(&holding(Role::Approver, Territory::Nation), Action::Teach), Err(Denied));
        let teacher = principal(vec![RoleAssignment {
            role: Role::Teacher,
            agency: Some("GD.00070001".parse().unwrap()),
            territory: unit("00070"),
        }]);
        assert_eq!(authorize(&teacher, Action::Teach), Ok(()));
    }

    #[test]
    fn a_commune_clerk_reads_only_the_commune() {
        let hoan_kiem: kernel::AdminUnitCode = "00070".parse().unwrap();
        let ba_dinh: kernel::AdminUnitCode = "00004".parse().unwrap();
        let clerk = principal(vec![RoleAssignment {
            role: Role::RegistryClerk,
            agency: None,
            territory: Territory::Unit(hoan_kiem),
        }]);
        assert_eq!(authorize(&clerk, Action::ReadPopulation(Territory::Unit(hoan_kiem))), Ok(()));
        assert_eq!(authorize(&clerk, Action::ReadPopulation(Territory::Unit(ba_dinh))), Err(Denied));
        assert_eq!(authorize(&clerk, Action::ReadPopulation(Territory::Nation)), Err(Denied));
        assert_eq!(territories(&clerk, Role::RegistryClerk), Some(vec![hoan_kiem]));
        let admin =
            principal(vec![RoleAssignment { role: Role::Administrator, agency: None, territory: Territory::Nation }]);
        assert_eq!(authorize(&admin, Action::ReadPopulation(Territory::Unit(ba_dinh))), Err(Denied));
    }

    #[test]
    fn a_dossier_is_worked_only_in_its_agency_and_role() {
        let here = unit("00070");
        let ubnd: kernel::AgencyCode = "UBND.00070".parse().unwrap();
        let other: kernel::AgencyCode = "UBND.00004".parse().unwrap();
        let specialist =
            principal(vec![RoleAssignment { role: Role::Specialist, agency: Some(ubnd.clone()), territory: here }]);
        assert_eq!(authorize_dossier(&specialist, Role::Specialist, &ubnd, here), Ok(()));
        assert_eq!(authorize_dossier(&specialist, Role::Approver, &ubnd, here), Err(Denied));
        assert_eq!(authorize_dossier(&specialist, Role::Specialist, &other, here), Err(Denied));
        assert_eq!(authorize_dossier(&specialist, Role::Specialist, &ubnd, unit("00004")), Err(Denied));
        assert_eq!(agencies_of(&specialist, Role::Specialist), vec![ubnd]);
        assert!(agencies_of(&specialist, Role::Approver).is_empty());
    }

    #[test]
    fn only_registry_clerks_touch_the_population_registry() {
        let here = unit("00070");
        for role in Role::ALL {
            let official = holding(role, Territory::Nation);
            let expected = if role == Role::RegistryClerk { Ok(()) } else { Err(Denied) };
            assert_eq!(authorize(&official, Action::ReadPopulation(here)), expected, "{role:?}");
            assert_eq!(authorize(&official, Action::WritePopulation(here)), expected, "{role:?}");
            assert_eq!(authorize(&official, Action::ChangeAssurance(here)), expected, "{role:?}");
        }
    }

    #[test]
    fn administrators_manage_officials_only_within_their_territory() {
        let hanoi_admin = holding(Role::Administrator, unit("01"));
        assert_eq!(authorize(&hanoi_admin, Action::ManageOfficials(unit("00070"))), Ok(()));
        assert_eq!(authorize(&hanoi_admin, Action::ManageOfficials(unit("01"))), Ok(()));
        assert_eq!(authorize(&hanoi_admin, Action::ManageOfficials(unit("79"))), Err(Denied));
        assert_eq!(authorize(&hanoi_admin, Action::ManageOfficials(Territory::Nation)), Err(Denied));
        assert_eq!(authorize(&hanoi_admin, Action::OpenOfficialsOffice), Ok(()));
        let clerk = holding(Role::RegistryClerk, Territory::Nation);
        assert_eq!(authorize(&clerk, Action::ManageOfficials(unit("00070"))), Err(Denied));
        assert_eq!(authorize(&clerk, Action::OpenOfficialsOffice), Err(Denied));
    }

    #[test]
    fn no_one_changes_their_own_powers() {
        let hanoi_admin = holding(Role::Administrator, unit("01"));
        let change = |territory, whose| Action::ChangeOfficial { territory, whose };
        assert_eq!(authorize(&hanoi_admin, change(unit("00070"), Whose::Other)), Ok(()));
        assert_eq!(authorize(&hanoi_admin, change(unit("00070"), Whose::Own)), Err(Denied));
        assert_eq!(authorize(&hanoi_admin, change(unit("01"), Whose::Own)), Err(Denied));
        assert_eq!(authorize(&hanoi_admin, change(unit("79"), Whose::Other)), Err(Denied));
        let national = holding(Role::Administrator, Territory::Nation);
        assert_eq!(authorize(&national, change(Territory::Nation, Whose::Own)), Err(Denied));
        assert_eq!(authorize(&national, change(Territory::Nation, Whose::Other)), Ok(()));
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Administrator) {
            let official = holding(role, Territory::Nation);
            assert_eq!(authorize(&official, change(unit("01"), Whose::Other)), Err(Denied), "{role:?}");
        }
        assert_eq!(Whose::of(&hanoi_admin, 1), Whose::Own);
        assert_eq!(Whose::of(&hanoi_admin, 2), Whose::Other);
    }

    #[test]
    fn a_grant_is_decided_by_a_third_administrator_of_its_territory() {
        let decide = |territory, requester, grantee| Action::DecideGrant { territory, requester, grantee };
        let hanoi_admin = holding(Role::Administrator, unit("01"));
        assert_eq!(authorize(&hanoi_admin, decide(unit("00070"), Whose::Other, Whose::Other)), Ok(()));
        assert_eq!(authorize(&hanoi_admin, decide(unit("00070"), Whose::Own, Whose::Other)), Err(Denied));
        assert_eq!(authorize(&hanoi_admin, decide(unit("00070"), Whose::Other, Whose::Own)), Err(Denied));
        assert_eq!(authorize(&hanoi_admin, decide(unit("00070"), Whose::Own, Whose::Own)), Err(Denied));
        assert_eq!(authorize(&hanoi_admin, decide(unit("79"), Whose::Other, Whose::Other)), Err(Denied));
        assert_eq!(authorize(&hanoi_admin, decide(Territory::Nation, Whose::Other, Whose::Other)), Err(Denied));
        let clerk = holding(Role::RegistryClerk, Territory::Nation);
        assert_eq!(authorize(&clerk, decide(unit("00070"), Whose::Other, Whose::Other)), Err(Denied));
        let mut unenrolled = holding(Role::Administrator, Territory::Nation);
        unenrolled.mfa_enabled = false;
        assert_eq!(authorize(&unenrolled, decide(unit("00070"), Whose::Other, Whose::Other)), Err(Denied));
    }

    #[test]
    fn finance_officers_reconcile_the_payments_of_their_own_agencies() {
        let agency: kernel::AgencyCode = "UBND.00070".parse().unwrap();
        let officer = principal(vec![RoleAssignment {
            role: Role::FinanceOfficer,
            agency: Some(agency.clone()),
            territory: unit("00070"),
        }]);
        assert_eq!(authorize(&officer, Action::ReconcilePayments), Ok(()));
        assert_eq!(agencies(&officer, Role::FinanceOfficer), [agency]);
        for role in Role::ALL.into_iter().filter(|r| *r != Role::FinanceOfficer) {
            assert_eq!(
                authorize(&holding(role, Territory::Nation), Action::ReconcilePayments),
                Err(Denied),
                "{role:?}"
            );
        }
        let nowhere = holding(Role::FinanceOfficer, Territory::Nation);
        assert_eq!(authorize(&nowhere, Action::ReconcilePayments), Err(Denied));
    }

    #[test]
    fn business_registrars_keep_the_enterprises_of_their_territory_only() {
        let hanoi = holding(Role::BusinessRegistrar, unit("01"));
        assert_eq!(authorize(&hanoi, Action::ReadEnterprises(unit("00070"))), Ok(()));
        assert_eq!(authorize(&hanoi, Action::WriteEnterprises(unit("00070"))), Ok(()));
        assert_eq!(authorize(&hanoi, Action::WriteEnterprises(unit("79"))), Err(Denied));
        assert_eq!(authorize(&hanoi, Action::ReadPopulation(unit("00070"))), Err(Denied));
        let clerk = holding(Role::RegistryClerk, Territory::Nation);
        assert_eq!(authorize(&clerk, Action::ReadEnterprises(unit("00070"))), Err(Denied));
    }

    #[test]
    fn a_land_officer_keeps_the_land_registry_of_their_territory_only() {
        let officer = holding(Role::LandOfficer, unit("01"));
        assert_eq!(authorize(&officer, Action::ReadLand(unit("00070"))), Ok(()));
        assert_eq!(authorize(&officer, Action::WriteLand(unit("00070"))), Ok(()));
        assert_eq!(authorize(&officer, Action::ReadLand(unit("79"))), Err(Denied));
        assert_eq!(authorize(&officer, Action::ReadPopulation(unit("00070"))), Err(Denied));
        let clerk = holding(Role::RegistryClerk, Territory::Nation);
        assert_eq!(authorize(&clerk, Action::ReadLand(unit("00070"))), Err(Denied));
    }

    #[test]
    fn roles_that_read_personal_data_take_four_eyes() {
        let reads: Vec<Role> = Role::ALL.into_iter().filter(|r| r.reads_personal_data()).collect();
        assert_eq!(
            reads,
            [
                Role::OneStopReceiver,
                Role::Specialist,
                Role::Approver,
                Role::RegistryClerk,
                Role::BusinessRegistrar,
                Role::HealthWorker,
                Role::Teacher,
                Role::FinanceOfficer,
                Role::LandOfficer
            ]
        );
        let immediate: Vec<Role> = Role::ALL.into_iter().filter(|r| !r.needs_second_administrator()).collect();
        assert_eq!(immediate, [Role::Analyst]);
    }

    #[test]
    fn an_official_session_without_a_second_factor_can_only_look_after_its_account() {
        let mut clerk = holding(Role::RegistryClerk, Territory::Nation);
        clerk.mfa_enabled = false;
        assert_eq!(authorize(&clerk, Action::ReadPopulation(unit("00070"))), Err(Denied));
        assert_eq!(territories(&clerk, Role::RegistryClerk), Some(vec![]));
        assert_eq!(authorize(&clerk, Action::ViewOwnAccount), Ok(()));
        clerk.method = AuthMethod::Token;
        assert_eq!(authorize(&clerk, Action::ReadPopulation(unit("00070"))), Ok(()));
        clerk.method = AuthMethod::Session;
        clerk.mfa_enabled = true;
        assert_eq!(authorize(&clerk, Action::ReadPopulation(unit("00070"))), Ok(()));
    }
}
