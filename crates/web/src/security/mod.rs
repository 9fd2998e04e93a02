//! Everything that decides who may do what, in one place: the per-route guard (session,
//! role, forced password change, CSRF), cookies and the response headers.

pub mod client;
pub mod cookies;
pub mod guard;
pub mod headers;

pub use guard::CurrentUser;
