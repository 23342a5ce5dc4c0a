//! The demo's school: the commune's lower secondary school, a teacher and its principal, and a pupil of the
//! commune whose parent has an account (`phuhuynh`): last school year filled in and signed, this one under way, so
//! that "Học bạ của tôi và con" and the school's pages have something to show.

use education::model::{School, SchoolCode, SchoolLevel, SchoolYear};
use education::service::{self, Change, NewEnrolment};
use education::subject::{Mark, Rating, Subject, Term};
use identity::Territory;
use identity::officials::Agency;
use kernel::{AdminUnitCode, PersonalId};
use store::Db;
use trust::keyring::Keyring;
use trust::ledger::Actor;

/// Records the school of `commune` and its agency, unless they exist: the school and its agency.
pub async fn school(db: &Db, commune: AdminUnitCode) -> anyhow::Result<(School, Agency)> {
    let code = SchoolCode::new(commune, 1).ok_or_else(|| anyhow::anyhow!("{commune} is not a commune"))?;
    let name = format!("Trường THCS {}", commune.unit().name);
    let school = School { code, name: name.clone(), level: SchoolLevel::LowerSecondary };
    if service::school(db, code).await?.is_none() {
        service::register_school(db, &school, &Actor::system("demo")).await?;
    }
    let agency = Agency { code: code.agency(), name, territory: Territory::Unit(commune) };
    identity::officials::service::ensure_agency(db, &agency, Actor::system("demo"))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((school, agency))
}

fn staff(username: &str, name: &str, role: identity::Role, school: &School) -> Actor {
    Actor {
        username: username.into(),
        display_name: Some(name.into()),
        role: Some(role.as_str().into()),
        agency: Some(school.code.agency().to_string()),
    }
}

/// Enrols `pupil` (born in `birth_year`) at the school for last year and this one, unless they are enrolled:
/// last year's marks entered and signed by the principal, this year's first term begun.
pub async fn pupil(
    db: &Db,
    keyring: &Keyring,
    school: &School,
    pupil: PersonalId,
    birth_year: i32,
) -> anyhow::Result<()> {
    let this_year = SchoolYear::at(time::OffsetDateTime::now_utc());
    let last_year = SchoolYear::try_from(i64::from(this_year.start()) - 1)?;
    if service::record(db, &pupil, last_year).await.is_ok() {
        return Ok(());
    }
    let teacher = staff("giaovien.xa", "Trần Thị Thu Trang", identity::Role::Teacher, school);
    let principal = staff("hieutruong.xa", "Nguyễn Văn Bình", identity::Role::Approver, school);
    // A pupil is in grade 6 the year they turn eleven.
    let grade = |year: SchoolYear| (i32::from(year.start()) - birth_year - 5).clamp(6, 9) as u8;
    let subjects: Vec<Subject> =
        Subject::ALL.iter().copied().filter(|s| s.taught_at(SchoolLevel::LowerSecondary)).collect();
    for (year, terms) in [(last_year, &[Term::First, Term::Second][..]), (this_year, &[Term::First][..])] {
        let grade = grade(year);
        let class_name = education::model::ClassName::parse(&format!("{grade}A1"), grade)?;
        let new = NewEnrolment { pupil, year, grade, class_name };
        service::enrol(db, school, &teacher, new).await?;
        for (i, subject) in subjects.iter().enumerate() {
            for term in terms {
                let mark = match subject.assessed() {
                    education::subject::Assessed::Comment => Mark::Passed,
                    // Plausible marks: from 7.0 to 9.6, the second term a little better.
                    education::subject::Assessed::Score => {
                        Mark::Score(70 + ((i * 7) % 23) as u8 + if *term == Term::Second { 3 } else { 0 })
                    }
                };
                service::change(db, school, &pupil, year, Change::Mark(*subject, *term, mark), &teacher).await?;
            }
        }
    }
    service::change(db, school, &pupil, last_year, Change::Conduct(Rating::Tot, 2), &teacher).await?;
    service::sign(db, keyring, school, &pupil, last_year, &principal).await?;
    Ok(())
}
