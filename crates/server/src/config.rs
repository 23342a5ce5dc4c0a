//! Configuration, in layers: built-in defaults, then an optional TOML file (`--config` or `CONGSO_CONFIG`), then
//! environment variables `CONGSO_*`, then command-line flags. A malformed value stops the program with the key
//! and the problem named. The database and SMTP URLs may hold a password: they are only ever printed redacted.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Settings the server runs with.
#[derive(Clone)]
pub struct Settings {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The database; `None` means the embedded SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Where the embedded database and other local files live.
    pub data_dir: PathBuf,
    /// Whether cookies are marked `Secure`.
    pub secure_cookies: bool,
    /// The master key sealing the keyring, base64, from `CONGSO_MASTER_KEY` only (never a file of settings).
    pub master_key: Option<String>,
    /// Where the master key is kept when `CONGSO_MASTER_KEY` is not set; `None` means `master.key` in `data_dir`.
    pub master_key_file: Option<PathBuf>,
    /// The public address of the site. `serve` refuses to start without it; `demo` takes where it listens.
    pub public_url: Option<web::PublicUrl>,
    /// The sender of the mail congso sends, such as `congso <no-reply@example.vn>`.
    pub mail_from: String,
    /// The SMTP relay (`smtp://` or `smtps://`, credentials in the URL); `None` means `.eml` files in
    /// `data_dir/outbox`.
    pub smtp_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client, for the rate limit; empty means none.
    pub trusted_proxies: Vec<IpAddr>,
    /// Where stored files go: `s3://bucket/prefix` (credentials from the `AWS_*` environment) or
    /// `file:///folder`; `None` means the folder `files` in `data_dir`.
    pub files_url: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("database_url", &store::redact_url(&self.database_url()))
            .field("data_dir", &self.data_dir)
            .field("secure_cookies", &self.secure_cookies)
            .field("master_key", &self.master_key.as_ref().map(|_| "…"))
            .field("master_key_file", &self.master_key_file)
            .field("public_url", &self.public_url)
            .field("mail_from", &self.mail_from)
            .field("smtp_url", &self.smtp_url.as_deref().map(store::redact_url))
            .field("trusted_proxies", &self.trusted_proxies)
            .field("files_url", &self.files_url)
            .finish()
    }
}

impl Settings {
    /// Where the master key file is.
    pub fn master_key_path(&self) -> PathBuf {
        self.master_key_file.clone().unwrap_or_else(|| self.data_dir.join("master.key"))
    }

    /// The heads file, where every tree head this node signs is also kept, out of the database's reach.
    pub fn heads_file(&self) -> trust::ledger::witness::HeadsFile {
        trust::ledger::witness::HeadsFile::new(self.data_dir.join(trust::ledger::witness::HEADS_FILE))
    }

    /// The database URL to connect to.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("congso.db").display()),
        }
    }

    /// The public address, which `serve` cannot do without: guessing it from requests would let any client name
    /// the OpenID Connect issuer and the host of links in mail.
    pub fn required_public_url(&self) -> Result<web::PublicUrl, ConfigError> {
        self.public_url.clone().ok_or_else(|| ConfigError {
            key: "public_url (CONGSO_PUBLIC_URL)".to_owned(),
            problem: "is not set: set it to the address people reach this site at, such as \
                      https://dichvucong.example.vn (OpenID Connect tokens name it as their issuer, links in mail \
                      point to it)"
                .to_owned(),
        })
    }

    /// Where stored files go, as these settings name it.
    pub fn files_location(&self) -> Result<files::Location, ConfigError> {
        files::Location::parse(self.files_url.as_deref(), &self.data_dir)
            .map_err(|e| ConfigError { key: "files_url".to_owned(), problem: e.to_string() })
    }

    /// The mailer these settings name: the SMTP relay, or `.eml` files in `data_dir/outbox`.
    pub fn mailer(&self) -> Result<notify::Mailer, ConfigError> {
        let mailer = match &self.smtp_url {
            Some(url) => notify::Mailer::smtp(url, &self.mail_from),
            None => notify::Mailer::file(self.data_dir.join("outbox"), &self.mail_from),
        };
        mailer.map_err(|e| {
            let key = match e {
                notify::MailError::Address { .. } => "mail_from",
                notify::MailError::Outbox { .. } => "data_dir",
                _ => "smtp_url",
            };
            ConfigError { key: key.to_owned(), problem: e.to_string() }
        })
    }
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("configuration {key}: {problem}")]
pub struct ConfigError {
    /// The file key, environment variable or flag.
    pub key: String,
    /// What is wrong.
    pub problem: String,
}

/// The keys a configuration file may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    secure_cookies: Option<bool>,
    master_key_file: Option<PathBuf>,
    public_url: Option<String>,
    mail_from: Option<String>,
    smtp_url: Option<String>,
    trusted_proxies: Option<Vec<String>>,
    files_url: Option<String>,
}

/// Values given on the command line; each overrides everything else.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct Overrides {
    /// Address to listen on [env: CONGSO_LISTEN] [default: 127.0.0.1:8080].
    #[arg(long, global = true)]
    pub listen: Option<String>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB [env: CONGSO_DATABASE_URL] [default: SQLite in the data folder].
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Folder for the embedded database and local files [env: CONGSO_DATA_DIR] [default: ./congso-data].
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// A TOML configuration file [env: CONGSO_CONFIG].
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
}

fn parse_listen(key: &str, value: &str) -> Result<SocketAddr, ConfigError> {
    value.parse().map_err(|e| ConfigError {
        key: key.to_owned(),
        problem: format!("{value:?} is not a socket address such as 127.0.0.1:8080 ({e})"),
    })
}

fn parse_bool(key: &str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError { key: key.to_owned(), problem: format!("{value:?} is not true or false") }),
    }
}

fn parse_proxies<'a>(key: &str, values: impl IntoIterator<Item = &'a str>) -> Result<Vec<IpAddr>, ConfigError> {
    let parse = |v: &str| {
        let ip = v.trim().parse::<IpAddr>().map_err(|_| ConfigError {
            key: key.to_owned(),
            problem: format!("{v:?} is not an IP address such as 10.0.0.1 (networks are not accepted)"),
        })?;
        // An IPv4 proxy reached over an IPv6 socket shows as ::ffff:a.b.c.d; compare in one form.
        Ok(ip.to_canonical())
    };
    values.into_iter().filter(|v| !v.trim().is_empty()).map(parse).collect()
}

fn check_database_url(key: &str, value: &str) -> Result<String, ConfigError> {
    if value.starts_with("sqlite:") || value.starts_with("postgres://") || value.starts_with("postgresql://") {
        Ok(value.to_owned())
    } else {
        Err(ConfigError {
            key: key.to_owned(),
            problem: format!("{} is not sqlite://PATH or postgres://USER@HOST/DB", store::redact_url(value)),
        })
    }
}

fn check_public_url(key: &str, value: &str) -> Result<Option<web::PublicUrl>, ConfigError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    value.parse().map(Some).map_err(|e: web::BadPublicUrl| ConfigError { key: key.to_owned(), problem: e.to_string() })
}

fn check_mail_from(key: &str, value: &str) -> Result<String, ConfigError> {
    match notify::check_sender(value) {
        Ok(()) => Ok(value.trim().to_owned()),
        Err(e) => Err(ConfigError {
            key: key.to_owned(),
            problem: format!("{value:?} is not a sender such as congso <no-reply@example.vn> ({e})"),
        }),
    }
}

fn check_smtp_url(key: &str, value: &str) -> Result<Option<String>, ConfigError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    notify::Mailer::smtp(value, "congso <no-reply@congso.invalid>")
        .map(|_| Some(value.to_owned()))
        .map_err(|e| ConfigError { key: key.to_owned(), problem: e.to_string() })
}

fn check_files_url(key: &str, value: &str) -> Result<Option<String>, ConfigError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    // The folder a relative data_dir would give does not matter here: only the URL's form is checked.
    files::Location::parse(Some(value), Path::new("."))
        .map(|_| Some(value.trim().to_owned()))
        .map_err(|e| ConfigError { key: key.to_owned(), problem: e.to_string() })
}

fn read_file(path: &Path) -> Result<FileSettings, ConfigError> {
    let key = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError { key: key.clone(), problem: e.to_string() })?;
    toml::from_str(&text)
        .map_err(|e| ConfigError { key, problem: e.message().to_owned() + &span_hint(&text, e.span()) })
}

fn span_hint(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    span.map(|s| {
        format!(" (line {})", text.as_bytes()[..s.start.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1)
    })
    .unwrap_or_default()
}

/// Builds the settings from every layer; `env` is the process environment (a parameter so tests can set it).
pub fn load(
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
    defaults: Settings,
) -> Result<Settings, ConfigError> {
    let mut s = defaults;
    let config_path = overrides.config.clone().or_else(|| env("CONGSO_CONFIG").map(PathBuf::from));
    if let Some(path) = config_path {
        let file = read_file(&path)?;
        if let Some(v) = file.listen {
            s.listen = parse_listen("listen", &v)?;
        }
        if let Some(v) = file.database_url {
            s.database_url = Some(check_database_url("database_url", &v)?);
        }
        if let Some(v) = file.data_dir {
            s.data_dir = v;
        }
        if let Some(v) = file.secure_cookies {
            s.secure_cookies = v;
        }
        if let Some(v) = file.master_key_file {
            s.master_key_file = Some(v);
        }
        if let Some(v) = file.public_url {
            s.public_url = check_public_url("public_url", &v)?;
        }
        if let Some(v) = file.mail_from {
            s.mail_from = check_mail_from("mail_from", &v)?;
        }
        if let Some(v) = file.smtp_url {
            s.smtp_url = check_smtp_url("smtp_url", &v)?;
        }
        if let Some(v) = file.trusted_proxies {
            s.trusted_proxies = parse_proxies("trusted_proxies", v.iter().map(String::as_str))?;
        }
        if let Some(v) = file.files_url {
            s.files_url = check_files_url("files_url", &v)?;
        }
    }
    if let Some(v) = env("CONGSO_LISTEN") {
        s.listen = parse_listen("CONGSO_LISTEN", &v)?;
    }
    if let Some(v) = env("CONGSO_DATABASE_URL") {
        s.database_url = Some(check_database_url("CONGSO_DATABASE_URL", &v)?);
    }
    if let Some(v) = env("CONGSO_DATA_DIR") {
        s.data_dir = PathBuf::from(v);
    }
    if let Some(v) = env("CONGSO_MASTER_KEY") {
        s.master_key = Some(v);
    }
    if let Some(v) = env("CONGSO_MASTER_KEY_FILE") {
        s.master_key_file = Some(PathBuf::from(v));
    }
    if let Some(v) = env("CONGSO_TRUSTED_PROXIES") {
        s.trusted_proxies = parse_proxies("CONGSO_TRUSTED_PROXIES", v.split(','))?;
    }
    if let Some(v) = env("CONGSO_SECURE_COOKIES") {
        s.secure_cookies = parse_bool("CONGSO_SECURE_COOKIES", &v)?;
    }
    if let Some(v) = env("CONGSO_PUBLIC_URL") {
        s.public_url = check_public_url("CONGSO_PUBLIC_URL", &v)?;
    }
    if let Some(v) = env("CONGSO_MAIL_FROM") {
        s.mail_from = check_mail_from("CONGSO_MAIL_FROM", &v)?;
    }
    if let Some(v) = env("CONGSO_SMTP_URL") {
        s.smtp_url = check_smtp_url("CONGSO_SMTP_URL", &v)?;
    }
    if let Some(v) = env("CONGSO_FILES_URL") {
        s.files_url = check_files_url("CONGSO_FILES_URL", &v)?;
    }
    if let Some(v) = &overrides.listen {
        s.listen = parse_listen("--listen", v)?;
    }
    if let Some(v) = &overrides.database_url {
        s.database_url = Some(check_database_url("--database-url", v)?);
    }
    if let Some(v) = &overrides.data_dir {
        s.data_dir = v.clone();
    }
    Ok(s)
}

/// The defaults for `serve`: secure cookies, as behind HTTPS.
pub fn serve_defaults() -> Settings {
    Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        database_url: None,
        data_dir: PathBuf::from("congso-data"),
        secure_cookies: true,
        master_key: None,
        master_key_file: None,
        public_url: None,
        mail_from: DEFAULT_MAIL_FROM.to_owned(),
        smtp_url: None,
        trusted_proxies: Vec::new(),
        files_url: None,
    }
}

/// The sender when none is configured: an address that cannot receive replies.
pub const DEFAULT_MAIL_FROM: &str = "congso <no-reply@congso.invalid>";

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn flags_beat_environment_beats_file() {
        let dir = tempfile_dir();
        let file = dir.join("congso.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:1000\"\ndata_dir = \"/from-file\"\nsecure_cookies = false\n")
            .unwrap();
        let env = env_of(&[("CONGSO_LISTEN", "127.0.0.1:2000")]);
        let flags = Overrides { config: Some(file.clone()), ..Default::default() };
        let s = load(&flags, &env, serve_defaults()).unwrap();
        assert_eq!(s.listen.port(), 2000);
        assert_eq!(s.data_dir, PathBuf::from("/from-file"));
        assert!(!s.secure_cookies);
        let flags = Overrides { config: Some(file), listen: Some("127.0.0.1:3000".into()), ..Default::default() };
        assert_eq!(load(&flags, &env, serve_defaults()).unwrap().listen.port(), 3000);
    }

    #[test]
    fn bad_values_name_their_key() {
        let err = load(&Overrides::default(), &env_of(&[("CONGSO_LISTEN", "nowhere")]), serve_defaults()).unwrap_err();
        assert_eq!(err.key, "CONGSO_LISTEN");
        let err = load(&Overrides::default(), &env_of(&[("CONGSO_DATABASE_URL", "mysql://x")]), serve_defaults())
            .unwrap_err();
        assert_eq!(err.key, "CONGSO_DATABASE_URL");
        let err =
            load(&Overrides::default(), &env_of(&[("CONGSO_SECURE_COOKIES", "maybe")]), serve_defaults()).unwrap_err();
        assert!(err.to_string().contains("CONGSO_SECURE_COOKIES"), "{err}");
    }

    #[test]
    fn a_malformed_file_is_refused_with_its_problem() {
        let dir = tempfile_dir();
        let file = dir.join("bad.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:1\"\nlisten_port = 3\n").unwrap();
        let flags = Overrides { config: Some(file), ..Default::default() };
        let err = load(&flags, &env_of(&[]), serve_defaults()).unwrap_err();
        assert!(err.problem.contains("listen_port"), "{err}");
        assert!(err.problem.contains("line 2"), "{err}");
    }

    #[test]
    fn trusted_proxies_come_from_the_file_or_the_environment() {
        let dir = tempfile_dir();
        let file = dir.join("proxies.toml");
        std::fs::write(&file, "trusted_proxies = [\"10.0.0.1\", \"::1\"]\n").unwrap();
        let flags = Overrides { config: Some(file), ..Default::default() };
        let s = load(&flags, &env_of(&[]), serve_defaults()).unwrap();
        assert_eq!(s.trusted_proxies, ["10.0.0.1".parse::<IpAddr>().unwrap(), "::1".parse().unwrap()]);
        let env = env_of(&[("CONGSO_TRUSTED_PROXIES", "10.0.0.2, ::ffff:10.0.0.3")]);
        let s = load(&flags, &env, serve_defaults()).unwrap();
        assert_eq!(s.trusted_proxies, ["10.0.0.2".parse::<IpAddr>().unwrap(), "10.0.0.3".parse().unwrap()]);
        assert!(load(&Overrides::default(), &env_of(&[]), serve_defaults()).unwrap().trusted_proxies.is_empty());
        let err = load(&Overrides::default(), &env_of(&[("CONGSO_TRUSTED_PROXIES", "10.0.0.0/8")]), serve_defaults())
            .unwrap_err();
        assert_eq!(err.key, "CONGSO_TRUSTED_PROXIES");
    }

    #[test]
    fn debug_output_hides_the_database_and_smtp_passwords() {
        let mut s = serve_defaults();
        s.database_url = Some("postgres://u:hunter2@db/congso".into());
        s.smtp_url = Some("smtps://mailer:hunter3@smtp.example.vn".into());
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("hunter3"), "{shown}");
        assert!(!format!("{:?}", s.mailer().unwrap()).contains("hunter3"));
    }

    #[test]
    fn mail_and_public_url_settings() {
        let dir = tempfile_dir();
        let file = dir.join("congso.toml");
        std::fs::write(
            &file,
            "public_url = \"https://dvc.example.vn/\"\nmail_from = \"Cổng DVC <dvc@example.vn>\"\n\
             smtp_url = \"smtp://relay.example.vn:25\"\n",
        )
        .unwrap();
        let flags = Overrides { config: Some(file), ..Default::default() };
        let s = load(&flags, &env_of(&[]), serve_defaults()).unwrap();
        assert_eq!(s.public_url.as_ref().map(web::PublicUrl::as_str), Some("https://dvc.example.vn"));
        assert_eq!(s.mail_from, "Cổng DVC <dvc@example.vn>");
        assert_eq!(s.mailer().unwrap().describe(), "smtp://relay.example.vn:25");
        let env = env_of(&[("CONGSO_SMTP_URL", ""), ("CONGSO_PUBLIC_URL", "http://10.0.0.5:8080")]);
        let s = load(&flags, &env, serve_defaults()).unwrap();
        assert_eq!(s.public_url.as_ref().map(web::PublicUrl::as_str), Some("http://10.0.0.5:8080"));
        assert_eq!(s.mailer().unwrap().outbox(), Some(s.data_dir.join("outbox").as_path()));

        let bad = |key: &str, value: &str| load(&Overrides::default(), &env_of(&[(key, value)]), serve_defaults());
        assert_eq!(bad("CONGSO_PUBLIC_URL", "dvc.example.vn").unwrap_err().key, "CONGSO_PUBLIC_URL");
        assert_eq!(bad("CONGSO_PUBLIC_URL", "https://x.vn/path").unwrap_err().key, "CONGSO_PUBLIC_URL");
        assert_eq!(bad("CONGSO_MAIL_FROM", "nobody").unwrap_err().key, "CONGSO_MAIL_FROM");
        let err = bad("CONGSO_SMTP_URL", "imap://u:hunter2@mail.example.vn").unwrap_err();
        assert_eq!(err.key, "CONGSO_SMTP_URL");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn stored_files_go_to_the_data_folder_unless_a_url_says_otherwise() {
        let s = load(&Overrides::default(), &env_of(&[("CONGSO_DATA_DIR", "/srv/congso")]), serve_defaults()).unwrap();
        assert_eq!(s.files_location().unwrap(), files::Location::Folder(PathBuf::from("/srv/congso/files")));
        let env = env_of(&[("CONGSO_FILES_URL", "s3://congso-files/prod/")]);
        let s = load(&Overrides::default(), &env, serve_defaults()).unwrap();
        let s3 = files::Location::S3 { bucket: "congso-files".into(), prefix: "prod".into() };
        assert_eq!(s.files_location().unwrap(), s3);
        let dir = tempfile_dir();
        let file = dir.join("files.toml");
        std::fs::write(&file, "files_url = \"file:///srv/attachments\"\n").unwrap();
        let flags = Overrides { config: Some(file), ..Default::default() };
        let s = load(&flags, &env_of(&[]), serve_defaults()).unwrap();
        assert_eq!(s.files_location().unwrap(), files::Location::Folder(PathBuf::from("/srv/attachments")));

        let err =
            load(&Overrides::default(), &env_of(&[("CONGSO_FILES_URL", "s3://AKIA:hunter2@b/p")]), serve_defaults())
                .unwrap_err();
        assert_eq!(err.key, "CONGSO_FILES_URL");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert_eq!(
            load(&Overrides::default(), &env_of(&[("CONGSO_FILES_URL", "ftp://x/y")]), serve_defaults())
                .unwrap_err()
                .key,
            "CONGSO_FILES_URL"
        );
    }

    fn tempfile_dir() -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("congso-config-{}", std::process::id() as u64 * 1000 + rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn rand_suffix() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        N.fetch_add(1, Ordering::Relaxed)
    }
}
