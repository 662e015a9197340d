//! Name constraints, compared the way they matter under Python 3.13.
//!
//! With VERIFY_X509_PARTIAL_CHAIN every certificate in a bundle is a trust anchor, so a CA
//! appended below a name-constrained CA is trusted in its own right, and the parent's
//! nameConstraints no longer apply to the leaves it signs. A CA is therefore acceptable
//! under a constrained parent only if its own nameConstraints are at least as narrow: each
//! of its permitted subtrees inside one of the parent's (for every name form the parent
//! restricts) and every subtree the parent excludes still excluded. Name forms are
//! compared with OpenSSL's matching rules (crypto/x509/v3_ncons.c) for dNSName,
//! rfc822Name, iPAddress and directoryName; any other form in the parent cannot be
//! compared and refuses the CA.

use crate::x509::cert::{GeneralNameFact as G, NameConstraintsFact};

/// `Ok` when `child` (the nameConstraints of the CA to add, if any) is at least as narrow
/// as `parent`; otherwise a sentence saying what is wider.
pub fn at_least_as_narrow(
    child: Option<&NameConstraintsFact>,
    parent: &NameConstraintsFact,
) -> Result<(), String> {
    let empty = NameConstraintsFact::default();
    let child = child.unwrap_or(&empty);
    if let Some(permitted) = &parent.permitted {
        for p in permitted {
            if let G::Other(what) = p {
                return Err(format!(
                    "its issuer permits {what}, a name form certpatch cannot compare"
                ));
            }
        }
        for form in forms(permitted) {
            let parents: Vec<&G> = permitted.iter().filter(|p| form_of(p) == form).collect();
            let mine: Vec<&G> = child
                .permitted
                .iter()
                .flatten()
                .filter(|c| form_of(c) == form)
                .collect();
            if mine.is_empty() {
                return Err(format!(
                    "its issuer permits only {form} names within {}, but it does not restrict {form} names",
                    list(&parents)
                ));
            }
            for c in mine {
                if !parents.iter().any(|p| within(c, p)) {
                    return Err(format!(
                        "it permits {}, which is not within its issuer's permitted {}",
                        show(c),
                        list(&parents)
                    ));
                }
            }
        }
    }
    for e in &parent.excluded {
        if let G::Other(what) = e {
            return Err(format!(
                "its issuer excludes {what}, a name form certpatch cannot compare"
            ));
        }
        let kept = child.excluded.iter().any(|x| within(e, x));
        let form = form_of(e);
        let mine: Vec<&G> = child
            .permitted
            .iter()
            .flatten()
            .filter(|c| form_of(c) == form)
            .collect();
        let outside = !mine.is_empty() && mine.iter().all(|c| disjoint(c, e));
        if !kept && !outside {
            return Err(format!("its issuer excludes {}, but it does not", show(e)));
        }
    }
    Ok(())
}

fn form_of(g: &G) -> &'static str {
    match g {
        G::Dns(_) => "DNS",
        G::Email(_) => "email",
        G::Ip(_) => "IP",
        G::Directory(..) => "directory",
        G::Other(_) => "other",
    }
}

fn forms(list: &[G]) -> Vec<&'static str> {
    let mut forms: Vec<&'static str> = list.iter().map(form_of).collect();
    forms.sort();
    forms.dedup();
    forms
}

fn list(items: &[&G]) -> String {
    items.iter().map(|g| show(g)).collect::<Vec<_>>().join(", ")
}

/// A general name for messages (already escaped where it holds certificate text).
pub fn show(g: &G) -> String {
    match g {
        G::Dns(s) => format!("DNS:{}", crate::x509::cert::printable(s)),
        G::Email(s) => format!("email:{}", crate::x509::cert::printable(s)),
        G::Ip(b) => match ip_parts(b) {
            Some((addr, mask)) => {
                let prefix = prefix_len(&mask)
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| crate::x509::cert::hex(&mask));
                if addr.len() == 4 {
                    format!(
                        "IP:{}/{prefix}",
                        std::net::Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3])
                    )
                } else {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(&addr);
                    format!("IP:{}/{prefix}", std::net::Ipv6Addr::from(a))
                }
            }
            None => format!("IP:{}", crate::x509::cert::hex(b)),
        },
        G::Directory(_, text) => format!("DirName:{text}"),
        G::Other(s) => s.clone(),
    }
}

/// Whether every name matched by constraint `c` is matched by constraint `p` (same form).
fn within(c: &G, p: &G) -> bool {
    match (c, p) {
        (G::Dns(c), G::Dns(p)) => dns_within(c, p),
        (G::Email(c), G::Email(p)) => email_within(&email_set(c), &email_set(p)),
        (G::Ip(c), G::Ip(p)) => ip_within(c, p),
        (G::Directory(c, _), G::Directory(p, _)) => c.len() >= p.len() && c[..p.len()] == p[..],
        _ => false,
    }
}

/// Constraints of these forms are nested or disjoint, so disjoint = neither within the other.
fn disjoint(a: &G, b: &G) -> bool {
    !within(a, b) && !within(b, a)
}

/// dNSName constraint sets (OpenSSL nc_dns): empty matches every name; `.d` every strict
/// subdomain of d; `d` the name d and its subdomains. Case-insensitive.
fn dns_within(c: &str, p: &str) -> bool {
    let (c, p) = (c.to_ascii_lowercase(), p.to_ascii_lowercase());
    if p.is_empty() {
        return true;
    }
    if c.is_empty() {
        return false;
    }
    let c_dot = c.starts_with('.');
    let c_base = c.trim_start_matches('.');
    let p_base = p.trim_start_matches('.');
    let sub = c_base.ends_with(&format!(".{p_base}"));
    if p.starts_with('.') {
        sub || (c_dot && c_base == p_base)
    } else {
        sub || c_base == p_base
    }
}

enum EmailSet {
    All,
    Mailbox(String, String),
    Host(String),
    /// Strict subdomains of the domain.
    Domain(String),
}

/// rfc822Name constraint sets (OpenSSL nc_email): `local@host` one mailbox; `.d` every
/// mailbox at a strict subdomain of d; `host` every mailbox at that host.
fn email_set(s: &str) -> EmailSet {
    if s.is_empty() {
        EmailSet::All
    } else if let Some((local, host)) = s.rsplit_once('@') {
        EmailSet::Mailbox(local.to_string(), host.to_ascii_lowercase())
    } else if let Some(d) = s.strip_prefix('.') {
        EmailSet::Domain(d.to_ascii_lowercase())
    } else {
        EmailSet::Host(s.to_ascii_lowercase())
    }
}

fn email_within(c: &EmailSet, p: &EmailSet) -> bool {
    use EmailSet::*;
    let under = |h: &str, d: &str| h.ends_with(&format!(".{d}"));
    match (c, p) {
        (_, All) => true,
        (All, _) => false,
        (Mailbox(cl, ch), Mailbox(pl, ph)) => cl == pl && ch == ph,
        (Mailbox(_, ch), Host(h)) => ch == h,
        (Host(ch), Host(h)) => ch == h,
        (Mailbox(_, h), Domain(d)) | (Host(h), Domain(d)) => under(h, d),
        (Domain(cd), Domain(d)) => cd == d || under(cd, d),
        _ => false,
    }
}

fn ip_parts(b: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    match b.len() {
        8 | 32 => {
            let (a, m) = b.split_at(b.len() / 2);
            Some((a.to_vec(), m.to_vec()))
        }
        _ => None,
    }
}

/// The prefix length of a contiguous mask.
fn prefix_len(mask: &[u8]) -> Option<u32> {
    let bits: Vec<bool> = mask
        .iter()
        .flat_map(|b| (0..8).rev().map(move |i| b >> i & 1 == 1))
        .collect();
    let n = bits.iter().take_while(|b| **b).count();
    bits[n..].iter().all(|b| !b).then_some(n as u32)
}

/// iPAddress constraints (address and mask): c within p when both are of one family, c's
/// prefix is at least as long and c's network lies inside p's. Malformed or
/// non-contiguous masks compare as not within.
fn ip_within(c: &[u8], p: &[u8]) -> bool {
    let (Some((ca, cm)), Some((pa, pm))) = (ip_parts(c), ip_parts(p)) else {
        return false;
    };
    if ca.len() != pa.len() || prefix_len(&cm).is_none() || prefix_len(&pm).is_none() {
        return false;
    }
    let wider_mask = pm.iter().zip(&cm).all(|(p, c)| p & !c == 0);
    let same_net = ca
        .iter()
        .zip(&pa)
        .zip(&pm)
        .all(|((c, p), m)| c & m == p & m);
    wider_mask && same_net
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nc(permitted: Option<Vec<G>>, excluded: Vec<G>) -> NameConstraintsFact {
        NameConstraintsFact {
            permitted,
            excluded,
        }
    }
    fn dns(s: &str) -> G {
        G::Dns(s.into())
    }

    #[test]
    fn dns_subtrees() {
        assert!(dns_within("a.example.com", "example.com"));
        assert!(dns_within("example.com", "example.com"));
        assert!(dns_within(".example.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(!dns_within("", "example.com"));
        assert!(dns_within("x.test", ""));
    }

    #[test]
    fn unconstrained_child_of_constrained_parent_is_wider() {
        let parent = nc(Some(vec![dns("example.com")]), vec![]);
        assert!(at_least_as_narrow(None, &parent).is_err());
        let same = nc(Some(vec![dns("sub.example.com")]), vec![]);
        assert!(at_least_as_narrow(Some(&same), &parent).is_ok());
        let other = nc(Some(vec![dns("evil.test")]), vec![]);
        assert!(at_least_as_narrow(Some(&other), &parent).is_err());
        // Another form only: DNS names unrestricted.
        let email = nc(Some(vec![G::Email("example.com".into())]), vec![]);
        assert!(at_least_as_narrow(Some(&email), &parent).is_err());
    }

    #[test]
    fn excluded_subtrees_must_be_kept() {
        let parent = nc(None, vec![dns("bad.example.com")]);
        assert!(at_least_as_narrow(None, &parent).is_err());
        let kept = nc(None, vec![dns("example.com")]);
        assert!(at_least_as_narrow(Some(&kept), &parent).is_ok());
        let outside = nc(Some(vec![dns("good.example.org")]), vec![]);
        assert!(at_least_as_narrow(Some(&outside), &parent).is_ok());
    }

    #[test]
    fn ip_and_email_and_directory() {
        let v4 = |a: [u8; 4], m: [u8; 4]| G::Ip([a, m].concat());
        let parent = nc(Some(vec![v4([10, 0, 0, 0], [255, 0, 0, 0])]), vec![]);
        let inside = nc(Some(vec![v4([10, 1, 0, 0], [255, 255, 0, 0])]), vec![]);
        let wider = nc(Some(vec![v4([10, 0, 0, 0], [254, 0, 0, 0])]), vec![]);
        assert!(at_least_as_narrow(Some(&inside), &parent).is_ok());
        assert!(at_least_as_narrow(Some(&wider), &parent).is_err());
        assert!(email_within(
            &email_set("a@x.example.com"),
            &email_set(".example.com")
        ));
        assert!(!email_within(
            &email_set("example.com"),
            &email_set(".example.com")
        ));
        let o = |v: &str| vec![("2.5.4.10".to_string(), format!("str:{v}"))];
        let parent = nc(
            Some(vec![G::Directory(vec![o("acme")], "O=Acme".into())]),
            vec![],
        );
        let child = nc(
            Some(vec![G::Directory(
                vec![o("acme"), o("x")],
                "O=Acme, O=x".into(),
            )]),
            vec![],
        );
        assert!(at_least_as_narrow(Some(&child), &parent).is_ok());
        assert!(at_least_as_narrow(Some(&parent), &child).is_err());
        let uri = nc(Some(vec![G::Other("URI:x".into())]), vec![]);
        assert!(at_least_as_narrow(Some(&uri), &uri).is_err());
    }
}
