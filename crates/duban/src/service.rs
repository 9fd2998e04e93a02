//! Commands that run or administer the service's database.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result, bail};
use duban_store::{AuditSeal, NewUser, Role, Store};
use duban_web::{Application, Config};
use sha2::{Digest, Sha256};

use crate::cli::Db;

/// Who the audit log names for changes made from the command line.
const CLI_ACTOR: &str = "cli";

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")
}

/// Connects, migrates, and settles the audit key: created at first start, refused when the
/// database's entries were signed with another.
async fn open(db: &Db) -> Result<Store> {
    let store = with_files(open_unsealed(&db.url).await?, db)?;
    let store = store.with_audit(seal(db, true)?);
    store.check_audit_key().await?;
    if store.audit_seal().is_some_and(AuditSeal::created) {
        // The first checkpoint records where keying starts, so raising it later shows.
        store.audit_checkpoint("key-created").await?;
    }
    Ok(store)
}

async fn open_unsealed(url: &str) -> Result<Store> {
    let store = Store::connect(url)
        .await
        .with_context(|| format!("无法连接数据库 {}", redact(url)))?;
    store.migrate().await?;
    Ok(store)
}

/// The store keeping evidence files in `--files-dir`, when given.
fn with_files(store: Store, db: &Db) -> Result<Store> {
    Ok(match &db.files_dir {
        Some(dir) => store.with_files_dir(duban_store::FilesDir::open(dir)?),
        None => store,
    })
}

fn seal(db: &Db, create: bool) -> Result<AuditSeal> {
    Ok(AuditSeal::open_for(
        &db.url,
        db.audit_key_file.as_deref(),
        db.audit_checkpoint_dir.as_deref(),
        create,
    )?)
}

/// The URL without any password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &userinfo[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub struct ServeArgs {
    pub db: Db,
    pub bind: SocketAddr,
    pub demo: bool,
    pub cookie_secure: bool,
    pub proxy: ProxyArgs,
    pub ldap: LdapArgs,
    pub idle_minutes: u64,
    pub session_hours: u64,
    pub max_file_mb: u64,
    pub convert_with_soffice: bool,
    pub remind: RemindArgs,
}

/// How long soffice may take over one file before it is stopped.
const SOFFICE_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Behind a reverse proxy: the path prefix, and which proxies' forwarding headers count.
#[derive(Debug, Clone, clap::Args)]
pub struct ProxyArgs {
    /// Serve everything under this path (e.g. /duban) when the proxy forwards
    /// https://host/duban/… unchanged: every link, redirect, asset and cookie carries it.
    #[arg(long, env = "DUBAN_BASE_PATH", value_name = "PATH")]
    pub base_path: Option<String>,
    /// A reverse proxy (address or CIDR range, repeatable) whose X-Forwarded-For and
    /// X-Forwarded-Proto are believed; from any other peer they are ignored.
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxies: Vec<duban_web::Cidr>,
    /// The header a trusted proxy names the client in, when not X-Forwarded-For (e.g.
    /// X-Real-IP). Only read from --trusted-proxy peers, so it needs one.
    #[arg(long, value_name = "HEADER")]
    pub client_ip_header: Option<String>,
}

impl ProxyArgs {
    fn apply(&self, config: &mut Config) -> Result<()> {
        if let Some(p) = &self.base_path {
            config.base_path = duban_web::normalize_base_path(p).map_err(anyhow::Error::msg)?;
        }
        if self.client_ip_header.is_some() && self.trusted_proxies.is_empty() {
            // It used to be believed from anyone, which let a client pick a fresh address
            // for every password guess; refusing is clearer than silently ignoring it.
            bail!(
                "--client-ip-header 只对 --trusted-proxy 列出的反向代理生效：请同时给出 \
                 --trusted-proxy（代理的地址或网段，如 127.0.0.1/32）"
            );
        }
        config.trusted_proxies = self.trusted_proxies.clone();
        config.client_ip_header = self.client_ip_header.clone();
        Ok(())
    }
}

/// A password from the environment variable a flag names (never from a flag itself, so it
/// does not show in the process list).
fn secret_from_env(flag: &str, name: Option<&str>) -> Result<Option<String>> {
    name.map(|name| {
        std::env::var(name)
            .with_context(|| format!("{flag} 指定的环境变量 {name} 未设置或不是有效文本"))
    })
    .transpose()
}

/// Directory (LDAP) login for people without a local account.
#[derive(Debug, Clone, clap::Args)]
pub struct LdapArgs {
    /// The directory, ldap://host:389; without it only local accounts log in.
    #[arg(long, value_name = "URL")]
    pub ldap_url: Option<String>,
    /// The service account that searches for people (e.g. cn=duban,ou=apps,dc=example,dc=gov).
    #[arg(long, value_name = "DN")]
    pub ldap_bind_dn: Option<String>,
    /// Name of the environment variable holding the service account's password.
    #[arg(long, value_name = "NAME")]
    pub ldap_bind_password_env: Option<String>,
    /// Where people and groups are searched (e.g. dc=example,dc=gov).
    #[arg(long, value_name = "DN")]
    pub ldap_base_dn: Option<String>,
    /// Finds a person by login name; {user} is replaced by the typed name, escaped.
    #[arg(long, default_value = "(uid={user})")]
    pub ldap_user_filter: String,
    /// Members of this group (groupOfNames) are the office (督查办).
    #[arg(long, value_name = "DN")]
    pub ldap_admin_group: Option<String>,
    /// Members of this group are leaders (领导).
    #[arg(long, value_name = "DN")]
    pub ldap_leader_group: Option<String>,
    /// The attribute naming everyone else's unit (departmentNumber, ou), matched against
    /// the ledger's units by name or alias.
    #[arg(long, value_name = "ATTR")]
    pub ldap_unit_attr: Option<String>,
    /// Upgrade the ldap:// connection with StartTLS (an ldaps:// URL is TLS from the start).
    #[arg(long)]
    pub ldap_starttls: bool,
    /// An intranet CA (PEM) trusted for the directory's certificate, besides the public
    /// roots and the system's CA store.
    #[arg(long, value_name = "FILE")]
    pub ldap_ca_file: Option<std::path::PathBuf>,
    /// An attribute whose value gives the role (with --ldap-role-map), instead of or beside
    /// the groups.
    #[arg(long, value_name = "ATTR")]
    pub ldap_role_attr: Option<String>,
    /// Values of --ldap-role-attr and their roles: 督查办=admin,领导=leader.
    #[arg(long, value_name = "MAP")]
    pub ldap_role_map: Option<String>,
}

impl LdapArgs {
    fn apply(&self, config: &mut Config) -> Result<()> {
        let Some(url) = self
            .ldap_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            if self.ldap_bind_dn.is_some() || self.ldap_base_dn.is_some() {
                bail!("--ldap-* 选项需要与 --ldap-url 一起使用");
            }
            return Ok(());
        };
        if !url.starts_with("ldap://") && !url.starts_with("ldaps://") {
            bail!("--ldap-url 应以 ldap:// 或 ldaps:// 开头：{url}");
        }
        if self.ldap_starttls && url.starts_with("ldaps://") {
            bail!("--ldap-starttls 用于 ldap:// 地址；ldaps:// 从连接起即为 TLS");
        }
        let role_map = match (&self.ldap_role_attr, self.ldap_role_map.as_deref()) {
            (Some(_), Some(m)) => duban_web::parse_ldap_role_map(m)
                .map_err(|e| anyhow::anyhow!("--ldap-role-map 无效：{e}"))?,
            (None, None) => Vec::new(),
            _ => bail!("--ldap-role-attr 与 --ldap-role-map 需要一起使用"),
        };
        let Some(base_dn) = self.ldap_base_dn.clone().filter(|b| !b.trim().is_empty()) else {
            bail!("使用 --ldap-url 时必须给出 --ldap-base-dn（搜索人员的起点）");
        };
        if !self.ldap_user_filter.contains("{user}") {
            bail!("--ldap-user-filter 必须包含 {{user}}（登录名的位置）");
        }
        if self.ldap_admin_group.is_none()
            && self.ldap_leader_group.is_none()
            && self.ldap_unit_attr.is_none()
            && self.ldap_role_attr.is_none()
        {
            bail!(
                "使用 --ldap-url 时至少给出 --ldap-admin-group、--ldap-leader-group、--ldap-role-attr 或 --ldap-unit-attr 之一，否则没有人能获得角色"
            );
        }
        let bind_password = secret_from_env(
            "--ldap-bind-password-env",
            self.ldap_bind_password_env.as_deref(),
        )?;
        let ca_pem = read_pem("--ldap-ca-file", self.ldap_ca_file.as_deref())?;
        config.ldap = Some(duban_web::LdapSettings {
            bind_dn: self.ldap_bind_dn.clone(),
            bind_password,
            user_filter: self.ldap_user_filter.clone(),
            admin_group: self.ldap_admin_group.clone(),
            leader_group: self.ldap_leader_group.clone(),
            unit_attr: self.ldap_unit_attr.clone(),
            starttls: self.ldap_starttls,
            ca_pem,
            role_attr: self.ldap_role_attr.clone(),
            role_map,
            ..duban_web::LdapSettings::new(url, &base_dn)
        });
        Ok(())
    }
}

/// Reminders (催办): email through an SMTP relay, a webhook, and how often the job runs.
#[derive(Debug, Clone, clap::Args)]
pub struct RemindArgs {
    /// SMTP relay for email reminders.
    #[arg(long)]
    pub smtp_host: Option<String>,
    #[arg(long, default_value_t = 25)]
    pub smtp_port: u16,
    /// none, starttls or smtps. Without it: smtps on port 465, starttls on 587, none
    /// otherwise (a relay inside the deployment on port 25).
    #[arg(long, value_name = "MODE")]
    pub smtp_tls: Option<String>,
    /// PEM file of an intranet CA trusted for the relay's certificate (besides the bundled
    /// public roots).
    #[arg(long, value_name = "PEM")]
    pub smtp_ca_file: Option<std::path::PathBuf>,
    /// The From address, e.g. "督查办 <duban@example.gov.cn>".
    #[arg(long)]
    pub smtp_from: Option<String>,
    #[arg(long)]
    pub smtp_user: Option<String>,
    /// Name of the environment variable holding the SMTP password (never a flag, so it
    /// does not show in the process list).
    #[arg(long, value_name = "NAME")]
    pub smtp_password_env: Option<String>,
    /// Webhook every reminder is posted to (http://… or https://…).
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// generic, dingtalk or wecom.
    #[arg(long, default_value = "generic")]
    pub webhook_format: String,
    /// Name of the environment variable holding a DingTalk robot's signing secret (加签,
    /// SEC…); dingtalk format only.
    #[arg(long, value_name = "NAME")]
    pub webhook_secret_env: Option<String>,
    /// PEM file of an intranet CA trusted for an https:// webhook (besides the bundled
    /// public roots).
    #[arg(long, value_name = "PEM")]
    pub webhook_ca_file: Option<std::path::PathBuf>,
    /// Run the reminder job every this many minutes; 0 turns the schedule off (an admin can
    /// still run it from the notices page). Without SMTP or webhook it posts in-app messages.
    #[arg(long, default_value_t = 30)]
    pub remind_every_minutes: u64,
    /// Remind of reports due within this many days.
    #[arg(long, default_value_t = 3)]
    pub due_soon_days: u32,
    /// Remind a unit of tasks handed to it (交办) and not signed for after this many days.
    #[arg(long, default_value_t = 3)]
    pub acknowledge_days: u32,
    /// The address users open duban at (http://duban.example.gov.cn), put in emails and
    /// webhook posts as the link to act on.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

/// The text of a CA certificate file named by `flag`, checked to look like PEM.
fn read_pem(flag: &str, path: Option<&Path>) -> Result<Option<String>> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{flag} 指定的文件 {} 无法读取", path.display()))?;
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        bail!("{flag} 指定的文件 {} 不是 PEM 格式的证书", path.display());
    }
    Ok(Some(text))
}

impl RemindArgs {
    /// Fills the reminder part of the service's config; the password comes from the
    /// environment variable named by `--smtp-password-env`.
    fn apply(&self, config: &mut Config) -> Result<()> {
        if let Some(host) = self.smtp_host.as_deref().filter(|h| !h.trim().is_empty()) {
            let Some(from) = self.smtp_from.clone().filter(|f| !f.trim().is_empty()) else {
                bail!("使用 --smtp-host 时必须同时给出 --smtp-from（发件人地址）");
            };
            let password =
                secret_from_env("--smtp-password-env", self.smtp_password_env.as_deref())?;
            let tls = match self.smtp_tls.as_deref() {
                None => duban_web::SmtpTls::for_port(self.smtp_port),
                Some(mode) => duban_web::SmtpTls::parse(mode).with_context(|| {
                    format!("--smtp-tls“{mode}”无效：应为 none、starttls 或 smtps")
                })?,
            };
            config.smtp = Some(duban_web::SmtpSettings {
                host: host.trim().to_string(),
                port: self.smtp_port,
                from,
                user: self.smtp_user.clone(),
                password,
                tls,
                ca_pem: read_pem("--smtp-ca-file", self.smtp_ca_file.as_deref())?,
            });
        } else if self.smtp_from.is_some()
            || self.smtp_user.is_some()
            || self.smtp_password_env.is_some()
            || self.smtp_tls.is_some()
            || self.smtp_ca_file.is_some()
        {
            bail!(
                "--smtp-from、--smtp-user、--smtp-password-env、--smtp-tls、--smtp-ca-file 需要与 --smtp-host 一起使用"
            );
        }
        if let Some(url) = self.webhook_url.as_deref().filter(|u| !u.trim().is_empty()) {
            let secret = match &self.webhook_secret_env {
                Some(name) => Some(std::env::var(name).with_context(|| {
                    format!("--webhook-secret-env 指定的环境变量 {name} 未设置或不是有效文本")
                })?),
                None => None,
            };
            config.webhook = Some(duban_web::WebhookSettings {
                url: url.trim().to_string(),
                format: self.webhook_format.clone(),
                secret,
                ca_pem: read_pem("--webhook-ca-file", self.webhook_ca_file.as_deref())?,
            });
        } else if self.webhook_secret_env.is_some() || self.webhook_ca_file.is_some() {
            bail!("--webhook-secret-env、--webhook-ca-file 需要与 --webhook-url 一起使用");
        }
        config.remind_every = (self.remind_every_minutes > 0)
            .then(|| std::time::Duration::from_secs(self.remind_every_minutes.saturating_mul(60)));
        config.due_soon_days = self.due_soon_days;
        config.acknowledge_days = self.acknowledge_days;
        if let Some(url) = self
            .public_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                bail!("--public-url 应以 http:// 或 https:// 开头：{url}");
            }
            config.public_url = Some(url.trim_end_matches('/').to_string());
        }
        Ok(())
    }
}

pub fn serve(args: ServeArgs) -> Result<()> {
    runtime()?.block_on(async {
        let mut config = Config::new(args.db.url.clone(), args.bind);
        config.audit_key_file = args.db.audit_key_file.clone();
        config.audit_checkpoint_dir = args.db.audit_checkpoint_dir.clone();
        config.files_dir = args.db.files_dir.clone();
        config.demo = args.demo;
        config.cookie_secure = args.cookie_secure;
        args.proxy.apply(&mut config)?;
        args.ldap.apply(&mut config)?;
        config.idle_timeout = std::time::Duration::from_secs(args.idle_minutes.max(1) * 60);
        config.session_lifetime =
            std::time::Duration::from_secs(args.session_hours.clamp(1, 24 * 365) * 3600);
        if args.max_file_mb == 0 {
            bail!("--max-file-mb 至少为 1");
        }
        config.max_file_bytes = args.max_file_mb.saturating_mul(1024 * 1024);
        args.remind.apply(&mut config)?;
        if args.convert_with_soffice {
            if !duban_ingest::soffice_available() {
                bail!("使用 --convert-with-soffice 需要安装 LibreOffice（PATH 中没有 soffice）");
            }
            config.soffice_convert = Some(SOFFICE_LIMIT);
        }
        let app = Application::build(config)
            .await
            .with_context(|| format!("无法启动服务（数据库 {}）", redact(&args.db.url)))?;
        println!(
            "督办服务已启动：http://{}:{}{}/ （数据库 {}）",
            args.bind.ip(),
            app.port(),
            args.proxy
                .base_path
                .as_deref()
                .and_then(|p| duban_web::normalize_base_path(p).ok())
                .unwrap_or_default(),
            redact(&args.db.url)
        );
        app.run_until_stopped().await.context("服务异常退出")?;
        Ok(())
    })
}

pub fn migrate(db: &Db) -> Result<()> {
    runtime()?.block_on(async {
        let store = open(db).await?;
        store.close().await;
        println!("数据库已是最新结构：{}", redact(&db.url));
        Ok(())
    })
}

pub struct UserAddArgs {
    pub db: Db,
    pub name: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub unit: Option<String>,
    pub create_unit: bool,
    pub must_change: bool,
}

/// The password is one line of stdin, so it never shows in `ps` or shell history.
fn read_password(input: &mut dyn BufRead) -> Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("无法从标准输入读取密码")?;
    let pw = line.trim_end_matches(['\n', '\r']).to_string();
    if pw.is_empty() {
        bail!("标准输入没有密码（--password-stdin 需要一行密码）");
    }
    Ok(pw)
}

pub fn user_add(args: UserAddArgs) -> Result<()> {
    let password = read_password(&mut std::io::stdin().lock())?;
    if args.role == Role::Unit && args.unit.is_none() {
        bail!("单位账号需要 --unit 指明所属单位");
    }
    if args.role != Role::Unit && args.unit.is_some() {
        bail!(
            "只有单位账号（--role unit）才属于单位；{} 账号不用 --unit",
            args.role.as_str()
        );
    }
    runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let unit_id = match &args.unit {
            None => None,
            Some(name) => match store.unit_by_name(name).await? {
                Some(u) => Some(u.id),
                None if args.create_unit => Some(store.create_unit(name, &[], CLI_ACTOR).await?),
                None => bail!("没有名为“{name}”的单位：先导入台账，或加 --create-unit 新建该单位"),
            },
        };
        let user = store
            .create_user(
                &NewUser {
                    username: args.name.clone(),
                    display_name: args.display_name.clone().unwrap_or(args.name.clone()),
                    role: args.role,
                    unit_id,
                    password,
                    must_change: args.must_change,
                },
                CLI_ACTOR,
            )
            .await
            .with_context(|| format!("无法创建账号“{}”", args.name))?;
        store.close().await;
        println!(
            "已创建账号 {}（{}{}）",
            user.username,
            user.role.label_zh(),
            args.unit.map(|u| format!("：{u}")).unwrap_or_default()
        );
        Ok(())
    })
}

pub fn user_unlock(db: &Db, name: &str) -> Result<()> {
    runtime()?.block_on(async {
        let store = open(db).await?;
        let Some(user) = store.find_user(name).await? else {
            bail!("没有名为“{name}”的账号");
        };
        store.unlock_user(user.id, CLI_ACTOR).await?;
        store.close().await;
        println!("已解除账号 {} 的登录限制", user.username);
        Ok(())
    })
}

pub fn import(db: &Db, file: &Path, plan: Option<&str>, update: bool, convert: bool) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("{}: 无法读取", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    let mut ledger = duban_ingest::read_bytes_converting(
        &name,
        &bytes,
        &duban_ingest::Limits::default(),
        convert.then_some(SOFFICE_LIMIT),
    )?;
    duban_assess::assess_ledger(&mut ledger);
    let sha = hex::encode(Sha256::digest(&bytes));
    let plan_name = plan
        .map(str::to_string)
        .or_else(|| ledger.title.clone())
        .unwrap_or_else(|| {
            file.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or(name.clone())
        });
    runtime()?.block_on(async {
        let store = open(db).await?;
        if update {
            let plans = store.plans().await?;
            let target = match plan {
                Some(p) => plans.iter().find(|x| x.name == p),
                None => plans.first(),
            }
            .with_context(|| format!("{}: 没有可更新的计划“{plan_name}”", file.display()))?;
            let s = store
                .reimport_ledger(target.id, &ledger, &name, &sha, CLI_ACTOR)
                .await
                .with_context(|| format!("{}: 未更新", file.display()))?;
            store.close().await;
            println!(
                "已更新“{}”（编号 {}）：更新{}项任务，新增{}项，文件中已无而保留{}项，改判仍有效{}项",
                target.name, target.id.0, s.updated, s.added, s.kept_unlisted, s.overrides_kept
            );
            return Ok(());
        }
        let id = store
            .import_ledger(&plan_name, &ledger, &name, &sha, CLI_ACTOR)
            .await
            .with_context(|| format!("{}: 未导入", file.display()))?;
        store.close().await;
        println!(
            "已导入“{plan_name}”（编号 {}）：{} 个表格，{} 项任务，{} 条提示",
            id.0,
            ledger.tables.len(),
            ledger.tasks.len(),
            ledger.warnings.len()
        );
        Ok(())
    })
}

pub fn backup(db: &Db, out: &Path) -> Result<()> {
    runtime()?.block_on(async {
        let store = open(db).await?;
        let report = store
            .backup(out)
            .await
            .with_context(|| format!("{}: 备份失败", out.display()))?;
        store.close().await;
        println!(
            "已备份到 {}（审计链头第 {} 条）",
            out.display(),
            report.audit_head.seq
        );
        if let Some(cp) = report.checkpoint {
            println!("审计检查点已写入 {}", cp.display());
        }
        if let Some(key) = store.audit_seal().and_then(AuditSeal::key_file) {
            println!(
                "备份中没有审计密钥：请另行妥善保存密钥文件 {}（恢复和核验都需要它）",
                key.display()
            );
        }
        Ok(())
    })
}

pub fn restore(db: &Db, backup: &Path) -> Result<()> {
    let url = &db.url;
    runtime()?.block_on(async {
        let opts = duban_store::StoreOptions {
            audit: Some(seal(db, true)?),
            files_dir: db.files_dir.clone(),
            ..Default::default()
        };
        let report = duban_store::restore_url(url, backup, opts)
            .await
            .with_context(|| format!("{}: 恢复失败", backup.display()))?;
        for f in &report.removed_files {
            println!("已删除残留的 {f}");
        }
        for f in &report.superseded {
            println!("备份之后的审计检查点已移至 {}", f.display());
        }
        if let Some(cp) = &report.checkpoint {
            println!("审计检查点已写入 {}", cp.display());
        }
        let rows: u64 = report.rows.values().sum();
        println!(
            "已从 {} 恢复到 {}：{} 张表，共 {rows} 行；所有登录会话已清除",
            backup.display(),
            redact(url),
            report.rows.len()
        );
        if report.audit.ok() {
            println!("审计日志完整：共 {} 条，链条校验通过", report.audit.entries);
            Ok(())
        } else {
            bail!(
                "恢复后审计日志校验失败：{}",
                report.audit.problem.clone().unwrap_or_default()
            )
        }
    })
}

/// Lists evidence files missing from or altered in the files directory; fails if any is.
pub fn files_check(db: &Db) -> Result<()> {
    runtime()?.block_on(async {
        let store = with_files(open_unsealed(&db.url).await?, db)?;
        let broken = store.verify_files().await;
        let storage = store.file_storage().await;
        store.close().await;
        let (broken, storage) = (broken?, storage?);
        for b in &broken {
            println!(
                "{}  {}  {} 字节  {}",
                b.sha256,
                b.problem.label_zh(),
                b.size,
                b.names.join("、")
            );
        }
        if !broken.is_empty() {
            bail!(
                "{} 份附件内容缺失或已被改动：请从备份恢复（duban restore --files-dir …）",
                broken.len()
            );
        }
        match store.files_dir() {
            Some(dir) => println!(
                "附件完好：{} 份附件，{} 份内容，附件目录 {}",
                storage.attachments,
                storage.blobs,
                dir.root().display()
            ),
            None => println!(
                "附件完好：{} 份附件，{} 份内容，均存于数据库",
                storage.attachments, storage.blobs
            ),
        }
        Ok(())
    })
}

/// Never creates a key: verifying needs the key the entries were signed with.
pub fn audit_verify(db: &Db) -> Result<()> {
    runtime()?.block_on(async {
        let seal = seal(db, false)?;
        let store = open_unsealed(&db.url).await?.with_audit(seal);
        let report = store.audit_verify().await?;
        store.close().await;
        if !report.ok() {
            bail!(
                "审计日志校验未通过：{}（共读 {} 条，链头第 {} 条）",
                report.problem.unwrap_or_else(|| "哈希不符".into()),
                report.entries,
                report.head_seq
            );
        }
        println!(
            "审计日志完整：{} 条记录，链头序号 {}",
            report.entries, report.head_seq
        );
        if report.keyed_from > 1 {
            println!(
                "第 1 至 {} 条写于审计链启用密钥之前，按未加密钥的哈希核验；第 {} 条起以密钥签名",
                report.keyed_from - 1,
                report.keyed_from
            );
        }
        match &report.newest_checkpoint {
            Some(cp) => println!("与 {} 个检查点一致，最新为{cp}", report.checkpoints),
            None => println!("没有检查点文件可比对（备份和服务运行时会写入）"),
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(
            redact("postgres://duban:s3cret@db:5432/duban"),
            "postgres://duban:***@db:5432/duban"
        );
        assert_eq!(
            redact("postgres://postgres@h/test"),
            "postgres://postgres@h/test"
        );
        assert_eq!(redact("sqlite://duban.db"), "sqlite://duban.db");
    }

    #[test]
    fn password_is_the_first_line_without_its_newline() {
        let mut input = std::io::Cursor::new(b"p@ss word\r\nnext\n".to_vec());
        assert_eq!(read_password(&mut input).unwrap(), "p@ss word");
        let mut empty = std::io::Cursor::new(Vec::new());
        assert!(read_password(&mut empty).is_err());
    }
}
