//! The web UI and `/metrics`, as pure rendering: process infos in, HTML or Prometheus text out.
//!
//! This module owns the status page (`/`, `/index.html`), the tail view (`/tail.html`), the static files of the
//! Supervisor look (`stylesheets/`, `images/`), the reading of the page's forms into an [`Action`], the messages
//! shown after an action, the same-origin check for state-changing requests, and the `/metrics` exposition
//! ([`metrics`]). It renders only from [`ProcessInfo`](crate::rpc::backend::ProcessInfo) values
//! (getAllProcessInfo's rows) and the arguments it is given: it does no IO, reads no clock, and knows nothing of
//! HTTP servers or of the engine. The HTTP layer routes requests here, runs the action against the engine, and
//! sends the bytes.
//!
//! It follows Supervisor 4.3.0's `supervisor/web.py` and `supervisor/ui/`: the same page structure and stylesheet,
//! rows sorted by (group, process), the same actions per state, the same messages after each action, and the tail
//! view's `max(1024, limit)` bytes. The page is rendered whole, however many processes there are.
//!
//! **Deliberate difference from Supervisor.** Supervisor's status page changes state through GET links
//! (`index.html?processname=web&action=stop`), so any page the operator's browser visits can stop or restart
//! processes with an `<img src=...>`. Here every action that changes state (and Refresh, which only shows a
//! message) is a submit button of the page's `method="post"` form, and:
//! - [`parse_action`] returns no action for a GET, whatever its query says: a GET to an action URL changes
//!   nothing (the page is shown with a note that the action was ignored);
//! - the server must refuse a POST that fails [`check_same_origin`]: its `Origin` (or, without one, `Referer`)
//!   must name the host of the `Host` header. A reverse proxy in front must therefore pass the client's `Host`
//!   through (nginx: `proxy_set_header Host $http_host;`).
//!
//! Tail -f links (`logtail/...`) and the tail view stay GET links: they only read.

pub mod metrics;

mod form;
mod origin;
mod pages;
mod static_files;

pub use form::{
    ctime, find_process, parse_action, parse_status_request, parse_tail_request, redirect_location,
    tail_fault_text, url_quote, Action, ActionError, StatusRequest, TailRequest,
    IGNORED_GET_ACTION_MESSAGE, NO_PROCESS_NAME,
};
pub use metrics::{render_metrics, METRICS_CONTENT_TYPE};
pub use origin::check_same_origin;
pub use pages::{render_status_page, render_tail_page, row_actions, RowAction, PAGE_CONTENT_TYPE};
pub use static_files::static_asset;
