//! Which agency has a dossier at each step: found from the step's office and the commune the applicant lived in
//! when they filed it, so a dossier never depends on where an official sits.

use kernel::{AdminUnitCode, AgencyCode};

use crate::error::PortalError;
use crate::model::{Office, Procedure};

/// The agency acting at `step` of `procedure` for an applicant living in `commune`.
pub fn office(procedure: &Procedure, step: usize, commune: Option<AdminUnitCode>) -> Result<AgencyCode, PortalError> {
    let step = procedure.steps.get(step).ok_or(PortalError::NoSuchStep)?;
    let code = match step.office {
        Office::Ministry => return procedure.ministry.clone().ok_or(PortalError::NoResidence),
        Office::Commune => format!("UBND.{}", commune.ok_or(PortalError::NoResidence)?),
        Office::CommunePolice => format!("CA.{}", commune.ok_or(PortalError::NoResidence)?),
        Office::Province => format!("UBND.{}", commune.ok_or(PortalError::NoResidence)?.province()),
        Office::SocialInsurance => format!("BHXH.{}", commune.ok_or(PortalError::NoResidence)?.province()),
        Office::BusinessRegistration => format!("DKKD.{}", commune.ok_or(PortalError::NoResidence)?.province()),
        Office::LandRegistration => format!("VPDKDD.{}", commune.ok_or(PortalError::NoResidence)?.province()),
    };
    code.parse().map_err(|_| PortalError::NoResidence)
}

/// The agencies a procedure's dossiers pass through for an applicant living in `commune`, in order, each once.
pub fn route(procedure: &Procedure, commune: Option<AdminUnitCode>) -> Vec<AgencyCode> {
    let mut route: Vec<AgencyCode> = Vec::new();
    for step in 0..procedure.steps.len() {
        if let Ok(agency) = office(procedure, step, commune)
            && !route.contains(&agency)
        {
            route.push(agency);
        }
    }
    route
}
