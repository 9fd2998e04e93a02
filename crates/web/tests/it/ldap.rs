//! Directory login against a real slapd (started by the test, on loopback): the office's
//! group gives the admin role, the leaders' group the leader role, a unit attribute naming
//! a ledger unit gives that unit's scope; a wrong password is refused, counted and
//! delayed; a person with no role or unit is refused with a message; local accounts keep
//! working beside the directory.

use anyhow::{Context, Result, ensure};
use duban_testkit::{BASE_DN, ROOT_DN, ROOT_PASSWORD};
use reqwest::StatusCode;

use crate::helpers::{TestApp, UNIT_A, backends, seeded_with, task_ids_by};

const LDIF: &str = "\
dn: dc=example,dc=gov
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,dc=example,dc=gov
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=example,dc=gov
objectClass: organizationalUnit
ou: groups

dn: uid=zhang,ou=people,dc=example,dc=gov
objectClass: inetOrgPerson
uid: zhang
cn: 张主任
sn: 张
userPassword: zhang-directory-pw

dn: uid=wang,ou=people,dc=example,dc=gov
objectClass: inetOrgPerson
uid: wang
cn: 王副区长
sn: 王
userPassword: wang-directory-pw

dn: uid=li,ou=people,dc=example,dc=gov
objectClass: inetOrgPerson
uid: li
cn: 李科员
sn: 李
departmentNumber: 区科技局
userPassword: li-directory-pw

dn: uid=zhao,ou=people,dc=example,dc=gov
objectClass: inetOrgPerson
uid: zhao
cn: 赵某
sn: 赵
departmentNumber: 不在台账里的单位
userPassword: zhao-directory-pw

dn: uid=sun,ou=people,dc=example,dc=gov
objectClass: inetOrgPerson
uid: sun
cn: 孙主任
sn: 孙
employeeType: 科员
employeeType: 督查办
userPassword: sun-directory-pw

dn: uid=qian,ou=people,dc=example,dc=gov
objectClass: inetOrgPerson
uid: qian
cn: 钱副区长
sn: 钱
employeeType: 领导
userPassword: qian-directory-pw

dn: cn=duban-admins,ou=groups,dc=example,dc=gov
objectClass: groupOfNames
cn: duban-admins
member: uid=zhang,ou=people,dc=example,dc=gov

dn: cn=duban-leaders,ou=groups,dc=example,dc=gov
objectClass: groupOfNames
cn: duban-leaders
member: uid=wang,ou=people,dc=example,dc=gov
";

fn settings(url: &str) -> duban_web::LdapSettings {
    duban_web::LdapSettings {
        bind_dn: Some(ROOT_DN.into()),
        bind_password: Some(ROOT_PASSWORD.into()),
        admin_group: Some("cn=duban-admins,ou=groups,dc=example,dc=gov".into()),
        leader_group: Some("cn=duban-leaders,ou=groups,dc=example,dc=gov".into()),
        unit_attr: Some("departmentNumber".into()),
        ..duban_web::LdapSettings::new(url, BASE_DN)
    }
}

/// A JSON login; the client (with its cookie if it worked), the status and the body.
async fn login(
    app: &TestApp,
    name: &str,
    password: &str,
) -> Result<(reqwest::Client, StatusCode, serde_json::Value)> {
    let c = app.client();
    let res = c
        .post(app.url("/api/session"))
        .json(&serde_json::json!({"username": name, "password": password}))
        .send()
        .await?;
    let status = res.status();
    let body = res.json().await.unwrap_or(serde_json::Value::Null);
    Ok((c, status, body))
}

#[tokio::test]
async fn directory_logins_map_groups_and_units_to_roles() -> Result<()> {
    let Some(server) = duban_testkit::slapd(LDIF)? else {
        return Ok(());
    };
    for b in backends() {
        let app = seeded_with(b, |c| c.ldap = Some(settings(&server.url))).await?;

        // The office's group: admin, account created on the fly, marked as LDAP.
        let (zhang, status, v) = login(&app, "zhang", "zhang-directory-pw").await?;
        ensure!(status == StatusCode::OK, "{b:?}: zhang {status} {v}");
        ensure!(v["role"] == "admin", "{b:?}: {v}");
        let users = zhang.get(app.url("/admin/users")).send().await?;
        ensure!(
            users.status() == StatusCode::OK,
            "{b:?}: {}",
            users.status()
        );
        ensure!(
            users.text().await?.contains("张主任"),
            "{b:?}: display name"
        );

        // The leaders' group.
        let (_, status, v) = login(&app, "wang", "wang-directory-pw").await?;
        ensure!(
            status == StatusCode::OK && v["role"] == "leader",
            "{b:?}: {status} {v}"
        );

        // A unit attribute naming a ledger unit: that unit's tasks only.
        let (li, status, v) = login(&app, "li", "li-directory-pw").await?;
        ensure!(
            status == StatusCode::OK && v["role"] == "unit",
            "{b:?}: {status} {v}"
        );
        let seen = task_ids_by(&app, &li, "/api/tasks").await?;
        let unit_a = app.store.unit_by_name(UNIT_A).await?.context("unit A")?.id;
        let account = app.store.find_user("li").await?.context("li's account")?;
        ensure!(account.unit_id == Some(unit_a), "{b:?}: {account:?}");
        ensure!(seen.len() == 2, "{b:?}: unit A's tasks: {seen:?}");
        // The password lives in the directory: no local password page for it.
        let res = li.get(app.url("/password")).send().await?;
        ensure!(
            res.status() == StatusCode::FORBIDDEN,
            "{b:?}: {}",
            res.status()
        );
        ensure!(res.text().await?.contains("目录服务中修改"), "{b:?}");
        let my = li.get(app.url("/my")).send().await?.text().await?;
        ensure!(
            my.contains("李科员") && !my.contains("修改密码"),
            "{b:?}: nav"
        );

        // No group and a unit the ledger does not have: refused, saying why.
        let (_, status, v) = login(&app, "zhao", "zhao-directory-pw").await?;
        ensure!(status == StatusCode::FORBIDDEN, "{b:?}: zhao {status}");
        ensure!(
            v["error"].as_str().is_some_and(|e| e.contains("未分配")),
            "{b:?}: {v}"
        );
        ensure!(
            app.store.find_user("zhao").await?.is_none(),
            "{b:?}: zhao got an account"
        );

        // Unknown people, empty and wrong passwords: 401, and a wrong password is counted
        // and delayed like a local one.
        for (name, pw) in [("nobody", "whatever-pw"), ("li", "")] {
            let (_, status, _) = login(&app, name, pw).await?;
            ensure!(
                status == StatusCode::UNAUTHORIZED,
                "{b:?}: {name}: {status}"
            );
        }
        let mut statuses = Vec::new();
        for _ in 0..6 {
            statuses.push(login(&app, "li", "not-his-password").await?.1);
        }
        ensure!(
            statuses[0] == StatusCode::UNAUTHORIZED,
            "{b:?}: {statuses:?}"
        );
        ensure!(
            statuses.contains(&StatusCode::LOCKED),
            "{b:?}: wrong directory passwords never delayed: {statuses:?}"
        );
        // While delayed even the right password waits.
        let (_, status, _) = login(&app, "li", "li-directory-pw").await?;
        ensure!(status == StatusCode::LOCKED, "{b:?}: {status}");

        // The local admin is not asked of the directory.
        ensure!(app.login("admin").await.is_ok(), "{b:?}: local admin");

        let entries = app.store.audit_entries(500, None).await?;
        let count = |action: &str, actor: &str| {
            entries
                .iter()
                .filter(|e| e.action == action && e.actor == actor)
                .count()
        };
        ensure!(
            count("user.create", "zhang") == 1,
            "{b:?}: creation audited"
        );
        ensure!(count("user.login", "li") == 1, "{b:?}: li's login audited");
        ensure!(
            count("user.login_failed", "li") >= 5,
            "{b:?}: failures audited"
        );
        ensure!(
            count("user.login_failed", "zhao") == 1,
            "{b:?}: refusal audited"
        );
        app.finish().await;
    }
    drop(server);
    Ok(())
}

/// Directory logins over `ldaps://` and StartTLS against slapd presenting a certificate
/// from a CA made for the test: trusted through `--ldap-ca-file` or the system's store,
/// refused when neither vouches for it. And roles read from an attribute instead of groups.
#[tokio::test]
async fn directory_logins_over_tls_and_roles_from_an_attribute() -> Result<()> {
    let ca = duban_testkit::TestCa::new("directory")?;
    let Some(server) = duban_testkit::slapd_tls(LDIF, &ca)? else {
        return Ok(());
    };
    let ldaps = server.ldaps_url.clone().context("ldaps url")?;
    // The plain port by the name the certificate carries, for StartTLS.
    let plain = server.url.replace("127.0.0.1", "localhost");
    let other = duban_testkit::TestCa::new("someone else")?;
    let dir = std::env::temp_dir().join(format!("duban-ldap-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let bundle = dir.join("ca-certificates.crt");
    std::fs::write(&bundle, format!("{}{}", other.ca_pem(), ca.ca_pem()))?;

    let tls = |url: &str, starttls: bool, ca_pem: Option<&str>, store: Vec<std::path::PathBuf>| {
        duban_web::LdapSettings {
            starttls,
            ca_pem: ca_pem.map(str::to_string),
            system_ca_files: store,
            ..settings(url)
        }
    };
    let cases = [
        (
            "ldaps + CA file",
            tls(&ldaps, false, Some(ca.ca_pem()), vec![]),
            true,
        ),
        (
            "StartTLS + CA file",
            tls(&plain, true, Some(ca.ca_pem()), vec![]),
            true,
        ),
        (
            "ldaps + system store",
            tls(&ldaps, false, None, vec![bundle.clone()]),
            true,
        ),
        (
            "ldaps, another CA",
            tls(&ldaps, false, Some(other.ca_pem()), vec![]),
            false,
        ),
        ("StartTLS, no CA", tls(&plain, true, None, vec![]), false),
    ];
    for b in backends() {
        for (what, s, trusted) in &cases {
            let s = s.clone();
            let app = seeded_with(b, |c| c.ldap = Some(s)).await?;
            let (_, status, v) = login(&app, "zhang", "zhang-directory-pw").await?;
            if *trusted {
                ensure!(
                    status == StatusCode::OK && v["role"] == "admin",
                    "{b:?} {what}: {status} {v}"
                );
            } else {
                // An unverified directory is never asked for the password.
                ensure!(
                    status == StatusCode::FORBIDDEN,
                    "{b:?} {what}: {status} {v}"
                );
                ensure!(
                    v["error"]
                        .as_str()
                        .is_some_and(|e| e.contains("暂时无法连接")),
                    "{b:?} {what}: {v}"
                );
            }
            app.finish().await;
        }

        // Roles from employeeType: no groups configured at all.
        let by_attr = duban_web::LdapSettings {
            admin_group: None,
            leader_group: None,
            role_attr: Some("employeeType".into()),
            role_map: duban_web::parse_ldap_role_map("督查办=admin,领导=leader")
                .map_err(anyhow::Error::msg)?,
            ..tls(&ldaps, false, Some(ca.ca_pem()), vec![])
        };
        let app = seeded_with(b, |c| c.ldap = Some(by_attr)).await?;
        for (name, pw, role) in [
            ("sun", "sun-directory-pw", "admin"),
            ("qian", "qian-directory-pw", "leader"),
            ("li", "li-directory-pw", "unit"),
        ] {
            let (_, status, v) = login(&app, name, pw).await?;
            ensure!(
                status == StatusCode::OK && v["role"] == role,
                "{b:?} {name}: {status} {v}"
            );
        }
        // In the admins' group but without a mapped value: no role from the attribute,
        // and groups are not configured here.
        let (_, status, _) = login(&app, "zhang", "zhang-directory-pw").await?;
        ensure!(status == StatusCode::FORBIDDEN, "{b:?}: zhang {status}");
        app.finish().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    drop(server);
    Ok(())
}
