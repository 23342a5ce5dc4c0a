//! Đối soát — reconciliation: a bank's statement (the CSV the sandbox bank gives, one transfer a line) against
//! the payments congso recorded from that bank's callbacks. Each line is matched (recorded and applied, same
//! amount), mismatched (recorded but held, or for another amount) or unmatched (no callback recorded it: the
//! money arrived but congso does not know). A finance official sees only the lines of their agencies.

use kernel::AgencyCode;
use store::Db;
use store::sqlx::{self, Row};

use crate::config::PaymentsConfig;
use crate::error::PaymentsError;

/// One transfer of a statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct StatementLine {
    /// The bank's transaction id.
    pub transaction_id: String,
    /// Unix seconds.
    pub paid_at: i64,
    /// The beneficiary's bank.
    pub bank_bin: String,
    /// The beneficiary's account.
    pub account: String,
    /// Whole đồng.
    pub amount: i64,
    /// The bill reference the transfer carried.
    pub bill_reference: String,
    /// The transfer's description.
    pub description: String,
}

/// What a line is, against congso's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Recorded and applied, for the same amount.
    Matched,
    /// Recorded, but held for review or for another amount.
    Mismatched,
    /// Not recorded: no callback for it reached congso.
    Unmatched,
}

impl Verdict {
    /// The stored, exported name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Matched => "matched",
            Verdict::Mismatched => "mismatched",
            Verdict::Unmatched => "unmatched",
        }
    }
}

/// A line and its verdict.
#[derive(Debug, Clone)]
pub struct Reconciled {
    /// The statement's line.
    pub line: StatementLine,
    /// The verdict.
    pub verdict: Verdict,
    /// The agency whose bill it names (or whose account it credited).
    pub agency: Option<AgencyCode>,
    /// What congso recorded: the payment's outcome and amount, if any.
    pub recorded: Option<(String, i64)>,
}

/// Reads a statement file.
pub fn read_statement(csv_text: &str) -> Result<Vec<StatementLine>, PaymentsError> {
    let mut reader = csv::Reader::from_reader(csv_text.trim().as_bytes());
    reader
        .deserialize()
        .enumerate()
        .map(|(n, line)| line.map_err(|e| PaymentsError::Invalid(format!("statement line {}: {e}", n + 2))))
        .collect()
}

/// The agency a line belongs to: its bill's, else the one whose configured account it credited.
async fn agency_of(
    db: &Db,
    config: &PaymentsConfig,
    line: &StatementLine,
    bill_agency: Option<String>,
) -> Result<Option<AgencyCode>, PaymentsError> {
    let named = match bill_agency {
        Some(agency) => Some(agency),
        None => {
            sqlx::query_scalar::<_, String>("SELECT agency FROM bills WHERE reference = $1")
                .bind(&line.bill_reference)
                .fetch_optional(db.pool())
                .await?
        }
    };
    if let Some(agency) = named {
        return Ok(agency.parse().ok());
    }
    let by_account =
        config.accounts.iter().find(|(_, a)| a.bin.as_str() == line.bank_bin && a.account.as_str() == line.account);
    Ok(by_account.map(|(code, _)| code.clone()))
}

/// Reconciles `lines` of `provider`'s statement for the finance official of `agencies`: the lines of those
/// agencies only, each with its verdict. Lines credited to the shared default account with no bill are shown to
/// every finance official, since no agency can be told from them.
pub async fn reconcile(
    db: &Db,
    config: &PaymentsConfig,
    provider: &str,
    lines: Vec<StatementLine>,
    agencies: &[AgencyCode],
) -> Result<Vec<Reconciled>, PaymentsError> {
    let mut out = Vec::new();
    for line in lines {
        let row = sqlx::query(
            "SELECT p.outcome, p.amount, b.agency FROM bank_payments p LEFT JOIN bills b ON b.id = p.bill_id \
             WHERE p.provider = $1 AND p.transaction_id = $2",
        )
        .bind(provider)
        .bind(&line.transaction_id)
        .fetch_optional(db.pool())
        .await?;
        let (recorded, bill_agency) = match &row {
            Some(r) => (
                Some((r.try_get::<String, _>("outcome")?, r.try_get::<i64, _>("amount")?)),
                r.try_get::<Option<String>, _>("agency")?,
            ),
            None => (None, None),
        };
        let agency = agency_of(db, config, &line, bill_agency).await?;
        let default_account = line.bank_bin == config.default_account.bin.as_str()
            && line.account == config.default_account.account.as_str();
        let visible = match &agency {
            Some(a) => agencies.contains(a),
            None => default_account,
        };
        if !visible {
            continue;
        }
        let verdict = match &recorded {
            Some((outcome, amount)) if outcome == "applied" && *amount == line.amount => Verdict::Matched,
            Some(_) => Verdict::Mismatched,
            None => Verdict::Unmatched,
        };
        out.push(Reconciled { line, verdict, agency, recorded });
    }
    Ok(out)
}

/// The reconciliation as CSV: the statement's columns, then the verdict and what congso recorded.
pub fn export_csv(rows: &[Reconciled]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record([
        "transaction_id",
        "paid_at",
        "bank_bin",
        "account",
        "amount",
        "bill_reference",
        "agency",
        "verdict",
        "recorded_outcome",
        "recorded_amount",
    ]);
    for r in rows {
        let (outcome, amount) = r.recorded.clone().map_or((String::new(), String::new()), |(o, a)| (o, a.to_string()));
        let _ = out.write_record([
            r.line.transaction_id.as_str(),
            &r.line.paid_at.to_string(),
            &r.line.bank_bin,
            &r.line.account,
            &r.line.amount.to_string(),
            &r.line.bill_reference,
            r.agency.as_ref().map_or("", |a| a.as_str()),
            r.verdict.as_str(),
            &outcome,
            &amount,
        ]);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_is_read_line_by_line_and_a_broken_line_named() {
        let text = "transaction_id,paid_at,bank_bin,account,amount,bill_reference,description\n\
                    FT1,1700000000,970403,0011002345678,15000,TT23456789ABCD,le phi\n";
        let lines = read_statement(text).unwrap();
        assert_eq!(lines[0].amount, 15_000);
        let broken = format!("{text}FT2,soon,970403,0011002345678,1,TT23456789ABCD,x\n");
        assert!(read_statement(&broken).unwrap_err().to_string().contains("line 3"));
    }
}
