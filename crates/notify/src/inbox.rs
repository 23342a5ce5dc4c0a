//! The in-app inbox, "Thông báo": notifications a person reads in congso itself, beside the mail they may get.
//!
//! A slice posts a notification inside the transaction of the change it is about ([`post_in`]), so a person is
//! told of a submission, a request for a supplement or a result if and only if it committed. Each notification
//! is written in both languages, since the reader's is only known when they read; its link, if any, is a path
//! on this site. The inbox knows people only as a [`Recipient`], an account's id: accounts, sessions and pages
//! are identity's, which shows the inbox to whoever is signed in and asks here only about that recipient, so
//! every read and every change is limited to the recipient's own notifications in SQL.
//!
//! Posting appends no ledger entry of its own: a notification is part of a change whose slice appends the entry
//! for it in the same transaction, as a mail is. Marking one as read changes nothing but what its reader has
//! seen, and is not recorded either.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::str::FromStr;

use kernel::{Lang, Localized, Text};
use store::sqlx::{self, Row};
use store::{Db, Tx};

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest text, in characters.
pub const MAX_BODY_CHARS: usize = 2000;
/// How many notifications one page of the inbox holds.
pub const PAGE: u32 = 50;

/// Whom a notification is for: an account, by its id. The inbox never reads accounts; the id is what identity
/// hands it for the signed-in person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Recipient(i64);

impl Recipient {
    /// The account with this id.
    pub fn account(id: i64) -> Recipient {
        Recipient(id)
    }

    /// The account's id.
    pub fn id(self) -> i64 {
        self.0
    }
}

/// Where a notification leads: a path on this site (`/me/dossiers`), never another site, so a notification
/// cannot send its reader away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link(String);

impl FromStr for Link {
    type Err = InboxError;

    fn from_str(s: &str) -> Result<Link, InboxError> {
        let local = s.starts_with('/') && !s.starts_with("//") && s.len() <= 500;
        // A backslash is read as a slash by browsers (`/\evil.example`), and controls have no place in a path.
        if !local || s.chars().any(|c| c == '\\' || c.is_control() || c.is_whitespace()) {
            return Err(InboxError::Link);
        }
        Ok(Link(s.to_owned()))
    }
}

impl Link {
    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What posting or reading a notification can fail with.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// A title or text is empty, too long or holds a control or invisible character.
    #[error("the notification's {field}: {source}")]
    Text {
        /// `title` or `body`, and in which language.
        field: &'static str,
        /// What is wrong with it.
        source: kernel::free_text::FreeTextError,
    },
    /// The link is not a path on this site.
    #[error("a notification's link must be a path on this site")]
    Link,
    /// A stored value does not read (a link that no longer parses).
    #[error("the stored notification {0} does not read")]
    Stored(i64),
    /// The database.
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}

/// One notification, as its recipient reads it.
#[derive(Debug, Clone)]
pub struct Notification {
    /// Its id: the recipient's own notifications are asked for by it.
    pub id: i64,
    title: Text,
    body: Text,
    /// Where it leads.
    pub link: Option<Link>,
    /// When it was posted (Unix seconds).
    pub created_at: i64,
    /// When its recipient read it; unread while `None`.
    pub read_at: Option<i64>,
}

impl Notification {
    /// The title in `lang` (given by value or, as templates do, by reference).
    pub fn title(&self, lang: impl Borrow<Lang>) -> Cow<'static, str> {
        self.title.message(*lang.borrow())
    }

    /// The text in `lang`.
    pub fn body(&self, lang: impl Borrow<Lang>) -> Cow<'static, str> {
        self.body.message(*lang.borrow())
    }

    /// Whether its recipient has not read it yet.
    pub fn is_unread(&self) -> bool {
        self.read_at.is_none()
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn clean(field: &'static str, text: &str, max: usize) -> Result<String, InboxError> {
    kernel::free_text::clean(text, max).map_err(|source| InboxError::Text { field, source })
}

/// Posts a notification to `recipient` in the caller's transaction: it is there if, and only if, the
/// transaction commits. `title` and `body` are given in both languages; `link` is where reading it leads.
pub async fn post_in(
    tx: &mut Tx,
    recipient: Recipient,
    title: &Text,
    body: &Text,
    link: Option<&Link>,
) -> Result<i64, InboxError> {
    let title_vi = clean("title (vi)", &title.message(Lang::Vi), MAX_TITLE_CHARS)?;
    let title_en = clean("title (en)", &title.message(Lang::En), MAX_TITLE_CHARS)?;
    let body_vi = clean("body (vi)", &body.message(Lang::Vi), MAX_BODY_CHARS)?;
    let body_en = clean("body (en)", &body.message(Lang::En), MAX_BODY_CHARS)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO notifications (recipient, title_vi, title_en, body_vi, body_en, link, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(recipient.id())
    .bind(title_vi)
    .bind(title_en)
    .bind(body_vi)
    .bind(body_en)
    .bind(link.map(Link::as_str))
    .bind(now())
    .fetch_one(&mut **tx)
    .await?;
    tracing::info!(notification = id, "notification posted");
    Ok(id)
}

/// [`post_in`] in a transaction of its own.
pub async fn post(
    db: &Db,
    recipient: Recipient,
    title: &Text,
    body: &Text,
    link: Option<&Link>,
) -> Result<i64, InboxError> {
    let mut tx = db.begin_write().await?;
    let id = post_in(&mut tx, recipient, title, body, link).await?;
    tx.commit().await?;
    Ok(id)
}

const COLUMNS: &str = "id, title_vi, title_en, body_vi, body_en, link, created_at, read_at";

fn read(row: &store::sqlx::any::AnyRow) -> Result<Notification, InboxError> {
    let id: i64 = row.try_get("id")?;
    let link = match row.try_get::<Option<String>, _>("link")? {
        Some(l) => Some(l.parse().map_err(|_| InboxError::Stored(id))?),
        None => None,
    };
    Ok(Notification {
        id,
        title: Text::new(row.try_get::<String, _>("title_vi")?, row.try_get::<String, _>("title_en")?),
        body: Text::new(row.try_get::<String, _>("body_vi")?, row.try_get::<String, _>("body_en")?),
        link,
        created_at: row.try_get("created_at")?,
        read_at: row.try_get("read_at")?,
    })
}

/// The recipient's notifications, newest first, a page at a time: those before `before` (an id) when given.
pub async fn list(db: &Db, recipient: Recipient, before: Option<i64>) -> Result<Vec<Notification>, InboxError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM notifications WHERE recipient = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
    ))
    .bind(recipient.id())
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(PAGE))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(read).collect()
}

/// One of the recipient's notifications; `None` when there is no such notification or it is someone else's,
/// which the caller cannot tell apart.
pub async fn get(db: &Db, recipient: Recipient, id: i64) -> Result<Option<Notification>, InboxError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM notifications WHERE id = $1 AND recipient = $2"))
        .bind(id)
        .bind(recipient.id())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(read).transpose()
}

/// How many of the recipient's notifications are unread.
pub async fn unread_count(db: &Db, recipient: Recipient) -> Result<u64, InboxError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE recipient = $1 AND read_at IS NULL")
        .bind(recipient.id())
        .fetch_one(db.pool())
        .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Marks one of the recipient's notifications as read (reading it again changes nothing); `false` when there is
/// no such notification or it is someone else's.
pub async fn mark_read(db: &Db, recipient: Recipient, id: i64) -> Result<bool, InboxError> {
    let done = sqlx::query("UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND recipient = $3")
        .bind(now())
        .bind(id)
        .bind(recipient.id())
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks all of the recipient's notifications as read; how many were unread.
pub async fn mark_all_read(db: &Db, recipient: Recipient) -> Result<u64, InboxError> {
    let done = sqlx::query("UPDATE notifications SET read_at = $1 WHERE recipient = $2 AND read_at IS NULL")
        .bind(now())
        .bind(recipient.id())
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use store::testing::TestDb;

    use super::*;

    /// An account to write to: the inbox's rows refer to accounts, which identity owns and tests may make.
    async fn account(db: &Db, name: &str) -> Recipient {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (username, display_name, kind, password_hash, created_at) \
             VALUES ($1, $1, 'citizen', 'x', 0) RETURNING id",
        )
        .bind(name)
        .fetch_one(db.pool())
        .await
        .unwrap();
        Recipient::account(id)
    }

    fn text(vi: &str, en: &str) -> Text {
        Text::new(vi.to_owned(), en.to_owned())
    }

    #[tokio::test]
    async fn a_notification_posted_in_a_transaction_exists_only_if_it_commits() {
        let test = TestDb::new().await;
        let db = &test.db;
        let an = account(db, "an").await;
        let link: Link = "/me/dossiers".parse().unwrap();

        let mut tx = db.begin_write().await.unwrap();
        post_in(&mut tx, an, &text("Đã nộp", "Submitted"), &text("Hồ sơ đã nộp.", "Filed."), Some(&link))
            .await
            .unwrap();
        drop(tx);
        assert!(list(db, an, None).await.unwrap().is_empty(), "a rolled-back change told nobody");

        let mut tx = db.begin_write().await.unwrap();
        let id = post_in(&mut tx, an, &text("Đã nộp", "Submitted"), &text("Hồ sơ  đã nộp.", "Filed."), Some(&link))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let got = get(db, an, id).await.unwrap().unwrap();
        assert_eq!((got.title(Lang::Vi).as_ref(), got.title(Lang::En).as_ref()), ("Đã nộp", "Submitted"));
        assert_eq!(got.body(Lang::Vi), "Hồ sơ đã nộp.", "whitespace is collapsed as for all free text");
        assert_eq!(got.link, Some(link));
        assert!(got.is_unread());
    }

    #[tokio::test]
    async fn a_recipient_reads_and_marks_only_their_own_notifications() {
        let test = TestDb::new().await;
        let db = &test.db;
        let (an, binh) = (account(db, "an").await, account(db, "binh").await);
        let first = post(db, an, &text("Một", "One"), &text("a", "a"), None).await.unwrap();
        let second = post(db, an, &text("Hai", "Two"), &text("b", "b"), None).await.unwrap();
        let theirs = post(db, binh, &text("Ba", "Three"), &text("c", "c"), None).await.unwrap();

        let mine: Vec<i64> = list(db, an, None).await.unwrap().iter().map(|n| n.id).collect();
        assert_eq!(mine, vec![second, first], "newest first, someone else's not among them");
        assert_eq!(list(db, an, Some(second)).await.unwrap().len(), 1, "paging by id");
        assert_eq!(unread_count(db, an).await.unwrap(), 2);

        // Someone else's notification does not exist for the caller: neither to read nor to mark.
        assert!(get(db, an, theirs).await.unwrap().is_none());
        assert!(!mark_read(db, an, theirs).await.unwrap());
        assert_eq!(unread_count(db, binh).await.unwrap(), 1);

        assert!(mark_read(db, an, first).await.unwrap());
        let read_at = get(db, an, first).await.unwrap().unwrap().read_at;
        assert!(read_at.is_some());
        assert!(mark_read(db, an, first).await.unwrap(), "marking again is harmless");
        assert_eq!(get(db, an, first).await.unwrap().unwrap().read_at, read_at, "the first reading is kept");
        assert_eq!(unread_count(db, an).await.unwrap(), 1);
        assert_eq!(mark_all_read(db, an).await.unwrap(), 1);
        assert_eq!(unread_count(db, an).await.unwrap(), 0);
        assert_eq!(unread_count(db, binh).await.unwrap(), 1, "the other's stay unread");
    }

    #[tokio::test]
    async fn a_notification_with_a_hidden_character_or_no_title_is_refused() {
        let test = TestDb::new().await;
        let db = &test.db;
        let an = account(db, "an").await;
        let bidi = text("Đã nộp\u{202E}", "Submitted");
        assert!(matches!(post(db, an, &bidi, &text("a", "a"), None).await, Err(InboxError::Text { .. })));
        assert!(matches!(post(db, an, &text(" ", "x"), &text("a", "a"), None).await, Err(InboxError::Text { .. })));
        assert!(list(db, an, None).await.unwrap().is_empty());
    }

    proptest::proptest! {
        /// Whatever text is offered, a link that parses is a path on this site and reads back unchanged.
        #[test]
        fn a_parsed_link_is_always_a_local_path(s in "\\PC{0,40}|/[ -~]{0,40}|//[a-z.]{0,20}") {
            if let Ok(link) = s.parse::<Link>() {
                let text = link.as_str();
                proptest::prop_assert_eq!(text, s.as_str());
                proptest::prop_assert!(text.starts_with('/') && !text.starts_with("//"));
                proptest::prop_assert!(!text.chars().any(|c| c == '\\' || c.is_control() || c.is_whitespace()));
            }
        }

        /// Every path of visible ASCII without a backslash, not starting `//`, is a link.
        #[test]
        fn a_plain_local_path_parses(rest in "[!-\\[\\]-~]{0,60}") {
            let path = format!("/{rest}");
            proptest::prop_assume!(!path.starts_with("//"));
            proptest::prop_assert!(path.parse::<Link>().is_ok(), "{} was refused", path);
        }
    }

    #[test]
    fn a_link_is_a_path_on_this_site() {
        assert!("/me/dossiers/UBND-261201-0001".parse::<Link>().is_ok());
        for bad in ["https://evil.example/", "//evil.example/", "/\\evil.example", "me/dossiers", "/a b", "/a\nb", ""] {
            assert!(bad.parse::<Link>().is_err(), "{bad:?} was taken as a local link");
        }
    }
}
