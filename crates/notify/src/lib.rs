//! Notifications to people: plain-text e-mail, and the in-app inbox ([`inbox`], "Thông báo").
//!
//! A [`Mailer`] sends through one of two transports:
//! - **File**: each message is written as an `.eml` file into a folder. The demo and the tests use it, so that
//!   nothing leaves the machine and a test can read what was "sent". Mail holds reset links and personal details:
//!   on Unix the folder is made 0700 and each file 0600, for the service's user alone.
//! - **SMTP**: a relay named by an `smtp://` or `smtps://` URL (`smtp://…?tls=required` for STARTTLS), with its
//!   credentials in the URL. TLS is rustls; no OpenSSL is needed. The URL's password is never printed: the
//!   mailer's `Debug` shows only scheme, host and port.
//!
//! Bodies are sent base64-encoded, so that Vietnamese text and long links survive every relay unchanged.
//!
//! A slice does not send mail itself: it enqueues a `mail.send` job ([`queue::enqueue_in`]) in the transaction of
//! the change the mail is about, and the job worker sends it ([`queue::register`]), retrying while the relay is
//! away. So a mail goes out if and only if its change committed, and a relay that is down delays it, not the page.

pub mod inbox;
pub mod queue;

use std::path::{Path, PathBuf};

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// What sending mail can fail with. No variant carries a password.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An address (the sender's or a recipient's) is not a valid mailbox.
    #[error("the {which} address is not a valid e-mail address ({source})")]
    Address {
        /// Which address: `from` or `to`.
        which: &'static str,
        /// What is wrong with it.
        source: lettre::address::AddressError,
    },
    /// The SMTP URL cannot be used; the message names the problem, never the URL's password.
    #[error("the SMTP URL {0}")]
    SmtpUrl(String),
    /// The outbox folder cannot be created.
    #[error("cannot create the outbox folder {dir}: {source}")]
    Outbox {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The body cannot be encoded (base64 takes any bytes, so this should not happen).
    #[error("the message body cannot be encoded")]
    Encoding,
    /// The message could not be put together.
    #[error("the message cannot be built: {0}")]
    Build(#[from] lettre::error::Error),
    /// The relay refused the message or could not be reached.
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// The message could not be written to the outbox.
    #[error("cannot write the mail {path}: {source}")]
    File {
        /// The file it was to be.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A plain-text message to one person, built a paragraph at a time. Its `Debug` shows neither the address nor the
/// text, which can hold a secret (a reset link).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Message {
    to: String,
    subject: String,
    body: String,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message").field("subject", &self.subject).field("body_len", &self.body.len()).finish()
    }
}

impl Message {
    /// A message to `to` (an address such as `an@example.vn`) about `subject`, with no text yet.
    pub fn new(to: &str, subject: &str) -> Message {
        Message { to: to.trim().to_owned(), subject: subject.to_owned(), body: String::new() }
    }

    /// Adds a paragraph; paragraphs are separated by a blank line.
    pub fn paragraph(mut self, text: &str) -> Message {
        if !self.body.is_empty() {
            self.body.push_str("\n\n");
        }
        self.body.push_str(text.trim());
        self
    }

    /// The text so far.
    pub fn body(&self) -> &str {
        &self.body
    }
}

/// Where a mailer delivers.
#[derive(Clone)]
enum Transport {
    File { dir: PathBuf },
    Smtp { shown: String, inner: AsyncSmtpTransport<Tokio1Executor> },
}

/// Sends messages from one sender address through one transport. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).field("transport", &self.describe()).finish()
    }
}

fn parse_from(from: &str) -> Result<Mailbox, MailError> {
    from.trim().parse().map_err(|source| MailError::Address { which: "from", source })
}

/// Checks a sender such as `congso <no-reply@example.vn>` without building a mailer, for configuration.
pub fn check_sender(from: &str) -> Result<(), MailError> {
    parse_from(from).map(drop)
}

impl Mailer {
    /// A mailer that writes each message as an `.eml` file into `dir`, creating the folder if needed.
    pub fn file(dir: impl AsRef<Path>, from: &str) -> Result<Mailer, MailError> {
        let dir = dir.as_ref().to_path_buf();
        let mut folder = std::fs::DirBuilder::new();
        folder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
        folder.create(&dir).map_err(|source| MailError::Outbox { dir: dir.clone(), source })?;
        Ok(Mailer { from: parse_from(from)?, transport: Transport::File { dir } })
    }

    /// A mailer that sends through the SMTP relay of `url`: `smtp://host[:port]` (plain, for a relay on the same
    /// network), `smtp://…?tls=required` (STARTTLS) or `smtps://host[:port]` (TLS from the start), with
    /// `user:password@` when the relay wants them. Nothing is contacted until the first message.
    pub fn smtp(url: &str, from: &str) -> Result<Mailer, MailError> {
        let parsed = url::Url::parse(url).map_err(|e| MailError::SmtpUrl(format!("cannot be read: {e}")))?;
        let scheme = parsed.scheme();
        if scheme != "smtp" && scheme != "smtps" {
            return Err(MailError::SmtpUrl(format!("must start with smtp:// or smtps://, not {scheme}://")));
        }
        let host =
            parsed.host_str().filter(|h| !h.is_empty()).ok_or_else(|| MailError::SmtpUrl("names no host".into()))?;
        let shown = match parsed.port() {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        };
        // lettre's own errors about the URL do not repeat it, but say so in our words anyway.
        let inner = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::SmtpUrl(format!("{shown} cannot be used: {e}")))?
            .build();
        Ok(Mailer { from: parse_from(from)?, transport: Transport::Smtp { shown, inner } })
    }

    /// Where messages go, safe to log: the outbox folder, or the relay's scheme, host and port.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::File { dir } => format!("file:{}", dir.display()),
            Transport::Smtp { shown, .. } => shown.clone(),
        }
    }

    /// The folder messages are written to, for the file transport.
    pub fn outbox(&self) -> Option<&Path> {
        match &self.transport {
            Transport::File { dir } => Some(dir),
            Transport::Smtp { .. } => None,
        }
    }

    /// Sends `message`.
    pub async fn send(&self, message: Message) -> Result<(), MailError> {
        let to: Mailbox = message.to.parse().map_err(|source| MailError::Address { which: "to", source })?;
        let body =
            Body::new_with_encoding(message.body, ContentTransferEncoding::Base64).map_err(|_| MailError::Encoding)?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)?;
        match &self.transport {
            Transport::File { dir } => {
                let path = dir.join(format!("{}.eml", uuid::Uuid::new_v4()));
                write_private(&path, &email.formatted()).await.map_err(|source| MailError::File { path, source })?;
            }
            Transport::Smtp { inner, .. } => {
                inner.send(email).await?;
            }
        }
        Ok(())
    }
}

/// Writes a new file that only the service's user may read (lettre's file transport would leave it to the umask).
async fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).await?;
    file.write_all(bytes).await?;
    file.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    const FROM: &str = "congso <no-reply@congso.invalid>";

    #[tokio::test]
    async fn the_file_transport_writes_an_eml_with_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("outbox");
        let mailer = Mailer::file(&outbox, FROM).unwrap();
        let message = Message::new("an@example.vn", "Đặt lại mật khẩu")
            .paragraph("Xin chào Nguyễn Văn An,")
            .paragraph("Mở liên kết: https://dichvucong.example.vn/password/reset?token=abc");
        assert_eq!(message.body().matches("\n\n").count(), 1);
        mailer.send(message).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().unwrap(), "eml");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!((mode(&outbox), mode(&files[0])), (0o700, 0o600), "mail is for the service's user alone");
        }
        let eml = std::fs::read_to_string(&files[0]).unwrap();
        assert!(eml.contains("To: an@example.vn"), "{eml}");
        assert!(eml.contains("no-reply@congso.invalid"), "{eml}");
        assert!(eml.contains("Content-Transfer-Encoding: base64"), "{eml}");
        // The subject is non-ASCII, so it is encoded; the body is base64 after the blank line.
        assert!(!eml.contains("Đặt lại"), "{eml}");
    }

    #[test]
    fn the_smtp_password_never_shows() {
        let mailer = Mailer::smtp("smtps://mailer:hunter2@smtp.example.vn:465", FROM).unwrap();
        let shown = format!("{mailer:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("smtps://smtp.example.vn:465"), "{shown}");
        assert!(mailer.outbox().is_none());
        let err = Mailer::smtp("http://mailer:hunter2@smtp.example.vn", FROM).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let err = Mailer::smtp("smtp://mailer:hunter2@smtp.example.vn?tls=sometimes", FROM).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn bad_addresses_are_refused() {
        assert!(matches!(Mailer::smtp("smtp://localhost", "not an address"), Err(MailError::Address { .. })));
        let dir = tempfile::tempdir().unwrap();
        assert!(Mailer::file(dir.path(), "congso <no-reply@congso.invalid>").is_ok());
    }

    #[tokio::test]
    async fn a_bad_recipient_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::file(dir.path(), FROM).unwrap();
        let err = mailer.send(Message::new("nobody", "x").paragraph("y")).await.unwrap_err();
        assert!(matches!(err, MailError::Address { which: "to", .. }));
    }
}
