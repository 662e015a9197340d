//! x509-limbo agreement: for every SERVER test case of C2SP/x509-limbo's `limbo.json`,
//! certpatch's verdict (the judgement `diagnose --chain` makes, under one Python version's
//! rules) beside the reference: `openssl verify` (the system's OpenSSL, which Python
//! links) with the flags of Python's `ssl.create_default_context()`.
//!
//! ```text
//! LIMBO_JSON=/path/to/limbo.json cargo run --release --example limbo
//! ```
//!
//! limbo.json is not part of this repository (build it from C2SP/x509-limbo with
//! `limbo compile`). The reference mirrors Python, not limbo's own expectation: no CRLs,
//! no maximum depth, purpose sslserver, security level 2, the host name when the case
//! names one; `-x509_strict -partial_chain` for Python 3.13+. Cases whose peer name is an
//! e-mail address (client cases) are left out. Prints the agreement per rule set and
//! every difference with both reasons; exits 1 when a rule set agrees on fewer than 98%.

use std::io::Write;
use std::process::Command;

use certpatch::bundle::Bundle;
use certpatch::net::judge::{judge_for, webpki_verify, OsRoots};
use certpatch::net::pyssl::Rules;
use certpatch::x509::cert::Cert;
use rustls::pki_types::ServerName;
use serde_json::Value;

fn pems(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn ders(pems: &[String]) -> Vec<Vec<u8>> {
    pems.iter()
        .flat_map(|p| pem::parse_many(p).unwrap_or_default())
        .map(|b| b.into_contents())
        .collect()
}

/// `openssl verify` as Python configures OpenSSL: (verifies, its last error line).
fn reference(
    dir: &std::path::Path,
    case: &Value,
    name: Option<(&str, &str)>,
    at: i64,
    rules: Rules,
) -> (bool, String) {
    let write = |file: &str, pems: &[String]| {
        let path = dir.join(file);
        let mut f = std::fs::File::create(&path).unwrap();
        for p in pems {
            writeln!(f, "{p}").unwrap();
        }
        path
    };
    let trusted = write("trusted.pem", &pems(&case["trusted_certs"]));
    let untrusted = write("untrusted.pem", &pems(&case["untrusted_intermediates"]));
    let leaf = write(
        "leaf.pem",
        &[case["peer_certificate"].as_str().unwrap_or("").to_string()],
    );
    let mut cmd = Command::new("openssl");
    cmd.args([
        "verify",
        "-no-CApath",
        "-no-CAstore",
        "-purpose",
        "sslserver",
    ])
    .args(["-auth_level", "2", "-trusted_first"])
    .args(["-attime", &at.to_string()])
    .arg("-CAfile")
    .arg(&trusted);
    if !pems(&case["untrusted_intermediates"]).is_empty() {
        cmd.arg("-untrusted").arg(&untrusted);
    }
    match name {
        Some(("DNS", n)) => {
            cmd.args(["-verify_hostname", n]);
        }
        Some(("IP", n)) => {
            cmd.args(["-verify_ip", n]);
        }
        _ => {}
    }
    if rules == Rules::Strict313 {
        cmd.args(["-x509_strict", "-partial_chain"]);
    }
    let out = cmd.arg(&leaf).output().expect("run openssl");
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    let ok = out.status.success();
    let line = text
        .lines()
        .find(|l| l.contains("error "))
        .unwrap_or(text.lines().last().unwrap_or(""))
        .to_string();
    (ok, line)
}

fn main() {
    let path = std::env::var_os("LIMBO_JSON")
        .expect("set LIMBO_JSON to the path of x509-limbo's limbo.json");
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let cases: Vec<&Value> = doc["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["validation_kind"] == "SERVER")
        .filter(|c| c["expected_peer_name"]["kind"] != "RFC822")
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let os = OsRoots::from_certs(Vec::new());
    let mut failed = false;
    for rules in [Rules::Before313, Rules::Strict313] {
        let (mut agree, mut total, mut webpki_agree, mut limbo_agree) = (0, 0, 0, 0);
        let mut differences = Vec::new();
        for case in &cases {
            let id = case["id"].as_str().unwrap_or("?");
            let at = case["validation_time"]
                .as_str()
                .and_then(|t| certpatch::x509::clock::parse_at(t).ok())
                .unwrap_or_else(time::OffsetDateTime::now_utc);
            let name = match (
                case["expected_peer_name"]["kind"].as_str(),
                case["expected_peer_name"]["value"].as_str(),
            ) {
                (Some(k), Some(v)) => Some((k, v)),
                _ => None,
            };
            let (want, why) = reference(dir.path(), case, name, at.unix_timestamp(), rules);
            let mut chain_pems = vec![case["peer_certificate"].as_str().unwrap_or("").to_string()];
            chain_pems.extend(pems(&case["untrusted_intermediates"]));
            let chain: Result<Vec<Cert>, _> = ders(&chain_pems)
                .iter()
                .map(|d| Cert::from_der(d))
                .collect();
            let bundle_bytes = pems(&case["trusted_certs"]).join("\n").into_bytes();
            let bundle = Bundle::parse(bundle_bytes);
            let server_name = name.and_then(|(_, n)| ServerName::try_from(n.to_string()).ok());
            let (got, ours) = match chain {
                Ok(chain) if !chain.is_empty() => {
                    let w = webpki_verify(&chain, &bundle, server_name.as_ref(), at).is_ok();
                    webpki_agree += usize::from(w == want);
                    let j = judge_for(
                        &chain,
                        &bundle,
                        server_name.as_ref(),
                        at,
                        &os,
                        &[rules],
                        &|_| None,
                    );
                    let causes: Vec<&str> = j.causes.iter().map(|c| c.code()).collect();
                    (j.verifies, causes.join(","))
                }
                Ok(_) => (false, "no certificate".into()),
                Err(e) => (false, format!("unreadable: {e}")),
            };
            total += 1;
            limbo_agree += usize::from(want == (case["expected_result"] == "SUCCESS"));
            if got == want {
                agree += 1;
            } else {
                differences.push(format!(
                    "  {id}: openssl {} ({why}); certpatch {} ({ours})",
                    if want { "verifies" } else { "fails" },
                    if got { "verifies" } else { "fails" }
                ));
            }
        }
        let pct = 100.0 * agree as f64 / total.max(1) as f64;
        println!(
            "{}: {agree} of {total} agree ({pct:.1}%); webpki alone (certpatch before issue 15) {webpki_agree}; limbo's own expectation {limbo_agree}",
            rules.words()
        );
        for d in &differences {
            println!("{d}");
        }
        failed |= pct < 98.0;
    }
    std::process::exit(i32::from(failed));
}
