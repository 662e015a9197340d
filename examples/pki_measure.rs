//! The snapshot measurement for the README: what certpatch makes of every certificate of
//! an intermediates file against one bundle at a fixed time, side by side with OpenSSL.
//!
//! ```text
//! scripts/measure-openssl.sh SNAPSHOT.pem BUNDLE.pem 1780272000 > /tmp/openssl.txt
//! cargo run --release --example pki_measure -- SNAPSHOT.pem BUNDLE.pem 2026-06-01T00:00:00Z /tmp/openssl.txt
//! ```
//!
//! Each certificate is put in one class: `direct` (`add` accepts it alone),
//! `through the index` (`add --with-issuers` accepts it with the index's issuers),
//! `removed root` (its chain ends at a root certifi removed), `expired`, or `refused`
//! with `add`'s reason codes.

use std::collections::BTreeMap;

use certpatch::accept::validate::{judge, Decision, Rules};
use certpatch::bundle::Bundle;
use certpatch::pki::index::Index;
use certpatch::pki::roots::Roots;
use certpatch::pki::{complete, source};
use certpatch::x509::cert::Cert;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let snapshot = std::fs::read(&args[0]).unwrap();
    let bundle = Bundle::parse(std::fs::read(&args[1]).unwrap());
    let at = certpatch::x509::clock::parse_at(&args[2]).unwrap();
    let openssl: BTreeMap<usize, (String, String)> = args
        .get(3)
        .map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    (f[0].parse().unwrap(), (f[1].to_string(), f[2].to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    let rules = Rules {
        at,
        allow_root: false,
        python_3_13: None,
    };
    let index = Index::embedded();
    let roots = Roots::embedded();
    let mut classes: BTreeMap<String, usize> = BTreeMap::new();
    let mut side: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (n, row) in source::read_pem(&snapshot).unwrap().into_iter().enumerate() {
        let cert = Cert::from_der(&row.der.unwrap()).unwrap();
        let class = classify(&cert, &bundle, rules, index, roots);
        *classes.entry(class.clone()).or_default() += 1;
        let ossl = openssl
            .get(&(n + 1))
            .map(|(d, u)| {
                if d == "ok" {
                    "ok".to_string()
                } else if u == "ok" {
                    "ok with -untrusted".to_string()
                } else {
                    format!("error {u}")
                }
            })
            .unwrap_or_default();
        let coarse = class.split(':').next().unwrap().to_string();
        *side.entry((coarse, ossl)).or_default() += 1;
    }
    println!("certpatch class\tcount");
    for (c, n) in &classes {
        println!("{c}\t{n}");
    }
    println!("\ncertpatch class\topenssl verify\tcount");
    for ((c, o), n) in &side {
        println!("{c}\t{o}\t{n}");
    }
}

fn classify(cert: &Cert, bundle: &Bundle, rules: Rules, index: &Index, roots: &Roots) -> String {
    let one = std::slice::from_ref(cert);
    let v = judge(one, bundle, rules);
    if v[0].decision != Decision::Refused {
        return "direct".to_string();
    }
    let codes = |v: &[certpatch::accept::validate::Verdict]| {
        let mut c: Vec<&str> = v
            .iter()
            .flat_map(|v| v.reasons.iter().map(|r| r.code.as_str()))
            .collect();
        c.sort();
        c.dedup();
        c.join(",")
    };
    if cert.not_after < rules.at {
        return "expired".to_string();
    }
    if v[0]
        .reasons
        .iter()
        .any(|r| r.code == certpatch::accept::validate::Code::SelfSignedRoot)
    {
        return "refused: self-signed-root".to_string();
    }
    if !v[0]
        .reasons
        .iter()
        .any(|r| r.code == certpatch::accept::validate::Code::IssuerMissing)
    {
        return format!("refused: {}", codes(&v));
    }
    let done = complete(cert, bundle, index, roots);
    if let Some(path) = done.path {
        let mut all = path.clone();
        all.push(cert.clone());
        let v = judge(&all, bundle, rules);
        if v.iter().all(|v| v.decision != Decision::Refused) {
            return format!("through the index: {} issuer(s)", path.len());
        }
        return format!("refused (path through the index): {}", codes(&v));
    }
    if let Some(end) = done.dead_ends.first() {
        return format!(
            "removed root: {} (removed in {})",
            end.root.cert.label(),
            end.root.removed_in.as_deref().unwrap_or("-")
        );
    }
    format!("refused: {}", codes(&v))
}
