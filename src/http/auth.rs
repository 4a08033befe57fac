//! HTTP Basic authentication as Supervisor checks it (spec A.6): medusa's `auth_handler` with Supervisor's
//! `encrypted_dictionary_authorizer`, which accepts a plain password or `{SHA}` followed by the lowercase hex
//! SHA-1 of the password.
//!
//! Pure: an `Authorization` header value and the listener's credentials in, a decision out. Building the 401
//! response is the caller's.

use sha1::{Digest, Sha1};

use crate::config::Credentials;

/// What the authorization check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthDecision {
    Allowed,
    /// Missing header, another scheme, or wrong credentials: 401 with `WWW-Authenticate`.
    Unauthorized,
    /// Basic credentials that are not base64 or not UTF-8: medusa answers 400.
    Malformed,
}

/// Checks one request's `Authorization` header value (the first one sent) against the listener's credentials.
pub fn check_authorization(
    credentials: &Credentials,
    authorization: Option<&[u8]>,
) -> AuthDecision {
    let Some(value) = authorization else {
        return AuthDecision::Unauthorized;
    };
    // medusa matches `Authorization: ([^ ]+) (.*)`: a scheme, one space, then the rest.
    let Some(space) = value.iter().position(|&byte| byte == b' ') else {
        return AuthDecision::Unauthorized;
    };
    let (scheme, rest) = (&value[..space], &value[space + 1..]);
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return AuthDecision::Unauthorized;
    }
    let Some(decoded) = a2b_base64(rest) else {
        return AuthDecision::Malformed;
    };
    let Ok(decoded) = String::from_utf8(decoded) else {
        return AuthDecision::Malformed;
    };
    // Without a ':' the reference fails to unpack and answers 500; no client relies on that, so we say 401.
    let Some((username, password)) = decoded.split_once(':') else {
        return AuthDecision::Unauthorized;
    };
    if username == credentials.username && password_matches(&credentials.password, password) {
        AuthDecision::Allowed
    } else {
        AuthDecision::Unauthorized
    }
}

/// `encrypted_dictionary_authorizer.authorize`: `{SHA}<hex>` compares the lowercase hex digest of the sent
/// password (so uppercase hex in the config never matches); anything else compares the text exactly.
fn password_matches(stored: &str, sent: &str) -> bool {
    match stored.strip_prefix("{SHA}") {
        Some(stored_hash) => stored_hash == sha1_hex(sent.as_bytes()),
        None => stored == sent,
    }
}

fn sha1_hex(bytes: &[u8]) -> String {
    Sha1::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Python's `base64.decodebytes` (`binascii.a2b_base64`, non-strict): characters outside the alphabet are
/// skipped, decoding stops at a complete pad, and a final partial group is an error (`None`).
pub fn a2b_base64(text: &[u8]) -> Option<Vec<u8>> {
    let mut decoded = Vec::with_capacity(text.len() / 4 * 3);
    let mut quad_position = 0u32;
    let mut left_bits = 0u8;
    let mut pads = 0u32;
    for &byte in text {
        if byte == b'=' {
            if quad_position >= 2 {
                pads += 1;
                if quad_position + pads >= 4 {
                    return Some(decoded);
                }
            }
            continue;
        }
        let Some(value) = base64_value(byte) else {
            continue;
        };
        pads = 0;
        match quad_position {
            0 => {
                left_bits = value;
                quad_position = 1;
            }
            1 => {
                decoded.push((left_bits << 2) | (value >> 4));
                left_bits = value & 0x0f;
                quad_position = 2;
            }
            2 => {
                decoded.push((left_bits << 4) | (value >> 2));
                left_bits = value & 0x03;
                quad_position = 3;
            }
            _ => {
                decoded.push((left_bits << 6) | value);
                left_bits = 0;
                quad_position = 0;
            }
        }
    }
    (quad_position == 0).then_some(decoded)
}

fn base64_value(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(username: &str, password: &str) -> Credentials {
        Credentials {
            username: username.to_string(),
            password: password.to_string(),
        }
    }

    /// sha1("pw"), lowercase hex.
    const SHA_OF_PW: &str = "1a91d62f7ca67399625a4368a6ab5d4a3baa6073";

    fn check(stored: (&str, &str), header: Option<&str>, expected: AuthDecision) {
        let got = check_authorization(&credentials(stored.0, stored.1), header.map(str::as_bytes));
        assert_eq!(got, expected, "stored {stored:?}, header {header:?}");
    }

    #[test]
    fn decides_like_the_reference() {
        use AuthDecision::*;
        let sha = format!("{{SHA}}{SHA_OF_PW}");
        let sha_upper = format!("{{SHA}}{}", SHA_OF_PW.to_uppercase());
        let literal_sha = format!("Basic {}", encode(&format!("bob:{sha}")));
        let cases: Vec<((&str, &str), Option<&str>, AuthDecision)> = vec![
            // "bob:pw"
            (("bob", "pw"), Some("Basic Ym9iOnB3"), Allowed),
            (("bob", "pw"), Some("basic Ym9iOnB3"), Allowed),
            (("bob", "pw"), Some("BASIC Ym9iOnB3"), Allowed),
            (("bob", "pw"), None, Unauthorized),
            (("bob", "pw"), Some("Basic"), Unauthorized),
            (("bob", "pw"), Some("Digest Ym9iOnB3"), Unauthorized),
            // "bob:px", "bab:pw"
            (("bob", "pw"), Some("Basic Ym9iOnB4"), Unauthorized),
            (("bob", "pw"), Some("Basic YmFiOnB3"), Unauthorized),
            // Whitespace and other non-alphabet characters inside the payload are skipped.
            (("bob", "pw"), Some("Basic Ym9i OnB3"), Allowed),
            (("bob", "pw"), Some("Basic Ym9iOnB3=="), Allowed),
            // "bob" (no colon): the reference's 500, our 401.
            (("bob", "pw"), Some("Basic Ym9i"), Unauthorized),
            // An incomplete group.
            (("bob", "pw"), Some("Basic Ym9iOnB"), Malformed),
            (("bob", "pw"), Some("Basic Y"), Malformed),
            // Not UTF-8 (0xff 0xfe 0xfd).
            (("bob", "pw"), Some("Basic //79"), Malformed),
            // A password containing a colon: split at the first colon only. "bob:p:w"
            (("bob", "p:w"), Some("Basic Ym9iOnA6dw=="), Allowed),
            // "bob:" (empty password)
            (("bob", ""), Some("Basic Ym9iOg=="), Allowed),
            (("bob", sha.as_str()), Some("Basic Ym9iOnB3"), Allowed),
            (("bob", sha.as_str()), Some("Basic Ym9iOnB4"), Unauthorized),
            (
                ("bob", sha.as_str()),
                Some(literal_sha.as_str()),
                Unauthorized,
            ),
            (
                ("bob", sha_upper.as_str()),
                Some("Basic Ym9iOnB3"),
                Unauthorized,
            ),
        ];
        for (stored, header, expected) in cases {
            check(stored, header, expected);
        }
    }

    fn encode(text: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut encoded = String::new();
        for chunk in text.as_bytes().chunks(3) {
            let bits = chunk.iter().enumerate().fold(0u32, |acc, (index, &byte)| {
                acc | (u32::from(byte) << (16 - 8 * index))
            });
            for position in 0..4 {
                if position <= chunk.len() {
                    encoded.push(ALPHABET[((bits >> (18 - 6 * position)) & 63) as usize] as char);
                } else {
                    encoded.push('=');
                }
            }
        }
        encoded
    }

    #[test]
    fn decodes_base64_like_binascii() {
        let cases: [(&str, Option<&[u8]>); 10] = [
            ("", Some(b"")),
            ("YQ==", Some(b"a")),
            ("YQ=", None),
            ("YQ", None),
            ("YWI=", Some(b"ab")),
            ("YWJj", Some(b"abc")),
            ("YQ==YWJj", Some(b"a")),
            ("Y W\nJj", Some(b"abc")),
            ("=YWJj", Some(b"abc")),
            ("YWJjZ", None),
        ];
        for (text, expected) in cases {
            assert_eq!(a2b_base64(text.as_bytes()).as_deref(), expected, "{text:?}");
        }
        for text in ["", "a", "ab", "abc", "bob:pw", "user:{SHA}x"] {
            assert_eq!(
                a2b_base64(encode(text).as_bytes()).as_deref(),
                Some(text.as_bytes())
            );
        }
    }
}
