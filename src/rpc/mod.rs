//! XML-RPC: Supervisor's methods over the [`backend::Backend`] boundary. This module owns method dispatch,
//! argument checking, faults and the wire shapes; it knows nothing of how processes run, and nothing of HTTP
//! (the HTTP layer hands it a request body and sends back what [`handle_xmlrpc`] answers).
//!
//! Code map:
//! - [`xml`]: a small well-formedness-checking XML reader (events);
//! - [`decode`]: Supervisor's own request decoder on top of it, quirks included;
//! - [`python`]: the Python values and operations the methods apply to what was decoded;
//! - [`methods`]: dispatch, the SHUTDOWN_STATE guard, every method, `system.multicall`;
//! - [`help`]: the 41 published names, arities, docstrings and signatures;
//! - [`encode`]: responses byte for byte as Python's `xmlrpc.client.dumps`.
//!
//! Architecture Invariant: nothing here touches process state; every effect goes through the backend, apart from
//! reading log files and unlinking the main log for `clearLog`, as Supervisor's RPC layer does.
//!
//! The `dxr` crate was measured as the codec and set aside: its serializer writes `<i4>` for ints, sorts struct
//! members by name (getProcessInfo's order matters to clients), writes no newlines between values and escapes
//! quotes, and its typed decoder does not reproduce Supervisor's decoder (untyped values, `<i8>` as a string).

pub mod backend;
pub mod decode;
pub mod encode;
pub mod help;
pub mod methods;
pub mod python;
pub mod xml;

use crate::config::LogLevel;
use crate::logs::mainlog::log;

use backend::Backend;
use methods::Failure;
use python::str_repr;

/// What the HTTP layer sends back for a `POST /RPC2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcResponse {
    /// 200 for results and faults (`Content-Type: text/xml`); 400 for a body that is not a request, 500 where
    /// Supervisor answers 500 (an unexpected exception in a method, an int that XML-RPC cannot carry). For 400
    /// and 500 the body is empty: the HTTP layer writes its usual error page.
    pub status: u16,
    /// The XML response (UTF-8).
    pub body: Vec<u8>,
}

impl RpcResponse {
    fn xml(text: String) -> RpcResponse {
        RpcResponse {
            status: 200,
            body: text.into_bytes(),
        }
    }

    fn error(status: u16) -> RpcResponse {
        RpcResponse {
            status,
            body: Vec::new(),
        }
    }
}

/// Answers one XML-RPC request body. Awaits the backend (a call that waits, such as `startProcess` with
/// `wait`, takes as long as the operation) and may read log files; everything else is pure.
///
/// A body that is not UTF-8 gets 400: Supervisor drops the connection without an answer instead.
pub async fn handle_xmlrpc<B: Backend>(backend: &B, body: &[u8]) -> RpcResponse {
    let request = match decode::decode_request(body) {
        Ok(request) => request,
        Err(error) => {
            let reason = match error {
                decode::DecodeError::NoMethodName => "no method name",
                _ => "unmarshallable",
            };
            log(
                LogLevel::Error,
                &format!(
                    "XML-RPC request data {} is invalid: {reason}",
                    str_repr(&String::from_utf8_lossy(body))
                ),
            );
            return RpcResponse::error(400);
        }
    };
    let method = &request.method;
    log(
        LogLevel::Trace,
        &format!("XML-RPC method called: {method}()"),
    );
    let outcome = methods::dispatch(backend, method, &request.params).await;
    let exception = match outcome {
        Ok(reply) => match encode::render_response(&reply) {
            Ok(text) => {
                log(
                    LogLevel::Trace,
                    &format!("XML-RPC method {method}() returned successfully"),
                );
                return RpcResponse::xml(text);
            }
            Err(error) => format!("OverflowError: {error}"),
        },
        Err(Failure::Fault(fault)) => {
            log(
                LogLevel::Trace,
                &format!(
                    "XML-RPC method {method}() returned fault: [{}] {}",
                    fault.code,
                    fault.text()
                ),
            );
            return RpcResponse::xml(encode::render_fault(&fault));
        }
        Err(Failure::Exception(exception)) => {
            format!("{}: {}", exception.class, exception.message)
        }
    };
    log(
        LogLevel::Critical,
        &format!(
            "Handling XML-RPC request with data {} raised an unexpected exception: {exception}",
            str_repr(&String::from_utf8_lossy(body))
        ),
    );
    RpcResponse::error(500)
}
