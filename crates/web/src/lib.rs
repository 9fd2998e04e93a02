//! The duban web service: server-rendered pages in Chinese, the JSON API and its OpenAPI
//! document, over one [`duban_store::Store`].
//!
//! Every route is declared once in [`routes::TABLE`] with the access it needs; one guard
//! enforces session, role, forced password change and CSRF for all of them, and the store's
//! [`duban_store::Scope`] keeps unit users inside their own tasks.
#![forbid(unsafe_code)]

mod auth;
mod config;
mod csv;
mod current;
mod demo;
mod error;
mod flash;
mod forms;
mod lights;
mod livecheck;
mod oversight;
mod people;
mod routes;
mod security;
mod site;
mod startup;
mod state;
mod views;

pub use auth::ldap::parse_role_map as parse_ldap_role_map;
pub use config::{Cidr, Config, LdapSettings, SmtpSettings, WebhookSettings, normalize_base_path};
pub use demo::{DemoLogin, load_demo_if_empty};
pub use duban_notify::SmtpTls;
pub use error::WebError;
pub use routes::{Access, RouteInfo, route_list};
pub use startup::Application;
