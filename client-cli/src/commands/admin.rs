//! The admin's commands: the offline root key, the signed keyring (every change to the staff
//! list signs a new version that names the hash of the one before it), the signed
//! manifest of the web page, and the m-of-n shares that can restore the root key.

use std::path::Path;

use amanat_protocol::encoding::b64;
use amanat_protocol::handover::Handover;
use amanat_protocol::keyring::{
    Fingerprint, Keyring, Role, RootKey, SignedKeyring, StaffMember, StaffPublic, VerifiedKeyring,
};
use amanat_protocol::keys;

use crate::api::{Api, Endpoint};
use amanat_client::root_shares::{self, RootShare};

use crate::cli::{KeyringCommand, RootCommand, RootKeyArgs, WebCommand};
use crate::commands::write_private;
use crate::error::{CliError, Result};
use crate::secrets::PassphraseSource;

/// `amanat admin init`: returns the key so the demo can go on using it.
pub fn init(out: &Path, pass: &PassphraseSource) -> Result<RootKey> {
    if out.exists() {
        return Err(CliError::new(format!("{} already exists", out.display()))
            .hint("a foundation has one root key; refusing to overwrite it"));
    }
    let passphrase = pass.read_new("the root key")?;
    let root = RootKey::generate();
    let mut file = Vec::new();
    keys::seal_root(&root, &passphrase, &mut file)?;
    write_private(out, &file, false)?;
    println!(
        "Root key written to {} (encrypted with your passphrase).",
        out.display()
    );
    println!();
    println!("Root fingerprint — publish it, read it aloud, print it on leaflets:");
    println!();
    println!("    {}", root.fingerprint());
    println!();
    println!(
        "Root public key (give it to the server operator for `amanat-server init --root-key`):"
    );
    println!("    {}", b64(root.public().as_bytes()));
    Ok(root)
}

pub fn load_root(args: &RootKeyArgs) -> Result<RootKey> {
    load_root_from(
        &args.root_key,
        &PassphraseSource::from_flags(args.passphrase.passphrase_file.as_deref()),
    )
}

pub fn load_root_from(path: &Path, pass: &PassphraseSource) -> Result<RootKey> {
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::file("read the root key", path, e)
            .hint("make one with `amanat admin init --out root.key`")
    })?;
    let passphrase = pass.read("the root key")?;
    Ok(keys::open_root(&passphrase, bytes.as_slice())?)
}

fn read_keyring(path: &Path) -> Result<Option<SignedKeyring>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| CliError::new(format!("{} is not a signed keyring: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CliError::file("read", path, e)),
    }
}

fn load_verified(path: &Path, root: &Fingerprint) -> Result<Option<VerifiedKeyring>> {
    read_keyring(path)?
        .map(|s| s.verify(root).map_err(CliError::from))
        .transpose()
}

/// Signs `edit(current or genesis)` as the next version and writes it to `path`.
pub fn amend(
    path: &Path,
    root: &RootKey,
    edit: impl FnOnce(&mut Keyring) -> Result<()>,
) -> Result<VerifiedKeyring> {
    let mut next = match load_verified(path, &root.fingerprint())? {
        Some(current) => Keyring::successor(&current),
        None => Keyring::genesis(),
    };
    edit(&mut next)?;
    let signed = root.sign(&next)?;
    let verified = signed.verify(&root.fingerprint())?;
    let json = serde_json::to_vec_pretty(&signed)
        .map_err(|e| CliError::new(format!("cannot encode the keyring: {e}")))?;
    write_private(path, &json, true)?;
    Ok(verified)
}

pub fn add_member(keyring: &mut Keyring, public: StaffPublic, roles: &[String]) -> Result<()> {
    let roles = roles
        .iter()
        .map(|r| r.trim().parse::<Role>())
        .collect::<Result<_, _>>()?;
    if keyring.member(&public.id).is_some() {
        return Err(
            CliError::new(format!("{} is already in the keyring", public.id))
                .hint("remove them first to replace their keys"),
        );
    }
    keyring.staff.push(StaffMember { public, roles });
    Ok(())
}

pub fn run_keyring(cmd: &KeyringCommand) -> Result<()> {
    match cmd {
        KeyringCommand::Add {
            root_key,
            file,
            staff,
            roles,
        } => {
            let text = std::fs::read_to_string(staff)
                .map_err(|e| CliError::file("read the staff public part", staff, e))?;
            let public: StaffPublic = serde_json::from_str(text.trim()).map_err(|e| {
                CliError::new(format!(
                    "{} is not a staff public part: {e}",
                    staff.display()
                ))
                .hint("use the file written by `amanat staff keygen --public-out`")
            })?;
            let root = load_root(root_key)?;
            let id = public.id.clone();
            let v = amend(&file.keyring, &root, |k| add_member(k, public, roles))?;
            println!(
                "Added {id} to the keyring; signed version {} into {}.",
                v.version(),
                file.keyring.display()
            );
            println!(
                "Publish it with `amanat admin keyring publish --keyring {}`.",
                file.keyring.display()
            );
            Ok(())
        }
        KeyringCommand::Remove { root_key, file, id } => {
            let id: amanat_protocol::StaffId = id.parse()?;
            let root = load_root(root_key)?;
            let v = amend(&file.keyring, &root, |k| {
                let before = k.staff.len();
                k.staff.retain(|m| m.public.id != id);
                if k.staff.len() == before {
                    return Err(CliError::new(format!("{id} is not in the keyring")));
                }
                Ok(())
            })?;
            println!("Removed {id}; signed version {}.", v.version());
            println!(
                "Once published, the server deletes {id}'s grants and sessions. What {id} already read cannot be taken back."
            );
            Ok(())
        }
        KeyringCommand::SetLog {
            root_key,
            file,
            origin,
            key,
        } => {
            let key_bytes: [u8; 32] = amanat_protocol::encoding::from_b64("log key", key.trim())?
                .try_into()
                .map_err(|_| {
                    CliError::new("the log key must be 32 bytes, base64")
                        .hint("copy the `log key:` line of `amanat-server init`")
                })?;
            let log = amanat_protocol::keyring::LogKey {
                origin: origin.clone(),
                key: key_bytes,
            };
            log.verifier()?;
            let root = load_root(root_key)?;
            let v = amend(&file.keyring, &root, |k| {
                k.log = Some(log);
                Ok(())
            })?;
            println!(
                "The keyring (version {}) now vouches for the log {origin}.",
                v.version()
            );
            Ok(())
        }
        KeyringCommand::Witness {
            root_key,
            file,
            add,
            remove,
            threshold,
        } => {
            let mut keys = Vec::new();
            for a in add {
                let w = amanat_protocol::log::cosignature::WitnessKey::parse(a).map_err(|e| {
                    CliError::new(format!("--add {a:?} is not a witness verifier key: {e}"))
                        .hint("copy the `verifier key:` line `amanat witness keygen` printed")
                })?;
                keys.push(amanat_protocol::keyring::Witness {
                    name: w.name,
                    key: w.key,
                });
            }
            let root = load_root(root_key)?;
            let v = amend(&file.keyring, &root, |k| {
                k.witnesses.retain(|w| !remove.contains(&w.name));
                for w in keys {
                    k.witnesses.retain(|old| old.name != w.name);
                    k.witnesses.push(w);
                }
                if let Some(t) = threshold {
                    k.witness_threshold = *t;
                }
                Ok(())
            })?;
            let names: Vec<&str> = v
                .keyring()
                .witnesses
                .iter()
                .map(|w| w.name.as_str())
                .collect();
            println!(
                "The keyring (version {}) names {} witness(es) [{}]; clients require {} cosignature(s).",
                v.version(),
                names.len(),
                names.join(", "),
                v.keyring().witness_threshold
            );
            Ok(())
        }
        KeyringCommand::Show { file, root } => {
            let signed = read_keyring(&file.keyring)?.ok_or_else(|| {
                CliError::new(format!("{} does not exist", file.keyring.display()))
                    .hint("the first `amanat admin keyring add` creates it")
            })?;
            let verified = match root {
                Some(fp) => Some(signed.verify(&Fingerprint::parse(fp)?)?),
                None => None,
            };
            let keyring: Keyring = match &verified {
                Some(v) => v.keyring().clone(),
                None => serde_json::from_slice(&signed.body)
                    .map_err(|e| CliError::new(format!("bad keyring body: {e}")))?,
            };
            print_keyring(&keyring, &signed, verified.is_some());
            Ok(())
        }
        KeyringCommand::Publish { file, server } => {
            let signed = read_keyring(&file.keyring)?.ok_or_else(|| {
                CliError::new(format!("{} does not exist", file.keyring.display()))
            })?;
            let endpoint = Endpoint::new(
                &server.server,
                server.server_cert.as_deref(),
                server.proxy.as_deref(),
            )?;
            let accepted = Api::connect(&endpoint)?.publish_keyring(&signed)?;
            println!("The server accepted keyring version {}.", accepted.version);
            Ok(())
        }
    }
}

fn print_keyring(k: &Keyring, signed: &SignedKeyring, checked: bool) {
    let root = ed25519_dalek::VerifyingKey::from_bytes(&signed.root_key)
        .map(|k| Fingerprint::of(&k).to_string())
        .unwrap_or_else(|_| "(invalid root key)".into());
    println!("Keyring version {}", k.version);
    println!(
        "  signed by root {}{}",
        root,
        if checked {
            " (signature verified)"
        } else {
            " (not checked: pass --root)"
        }
    );
    if let Some(p) = &k.previous {
        println!(
            "  previous version hash {}",
            amanat_protocol::encoding::hex(p)
        );
    }
    match &k.log {
        Some(l) => println!("  transparency log {} key {}", l.origin, b64(&l.key)),
        None => println!("  no transparency log named yet (`amanat admin keyring set-log`)"),
    }
    if k.staff.is_empty() {
        println!("  no staff yet");
    }
    for m in &k.staff {
        let roles: Vec<String> = m.roles.iter().map(|r| r.to_string()).collect();
        println!(
            "  {:<16} {:<24} {:<20} {}",
            m.public.id,
            m.public.name,
            roles.join(","),
            m.public.age_recipient
        );
    }
}

/// `amanat admin web sign|publish`.
pub fn run_web(cmd: &WebCommand) -> Result<()> {
    match cmd {
        WebCommand::Sign {
            root_key,
            dist,
            out,
        } => {
            let path = dist.join("manifest.json");
            let bytes = std::fs::read(&path).map_err(|e| {
                CliError::file("read the page's manifest", &path, e)
                    .hint("build the page first: cd web && npm ci && node build.mjs")
            })?;
            let manifest = amanat_protocol::web::Manifest::parse(&bytes)?;
            // Sign only what is really in the folder: every listed file, byte for byte.
            for f in &manifest.files {
                let p = dist.join(&f.path);
                let content = std::fs::read(&p).map_err(|e| CliError::file("read", &p, e))?;
                let sha = amanat_protocol::web::sha256(&content);
                if sha != f.sha256 || content.len() as u64 != f.length {
                    return Err(CliError::new(format!(
                        "{} does not match its line in manifest.json",
                        p.display()
                    ))
                    .hint("rebuild the page (node build.mjs) and sign the fresh build; nothing was signed"));
                }
            }
            let root = load_root(root_key)?;
            let signed_at = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|e| CliError::new(format!("the clock is before 1970: {e}")))?
                .as_secs() as i64;
            let sig = root.sign_web_manifest(&bytes, signed_at)?;
            let json = serde_json::to_vec_pretty(&sig).map_err(|e| CliError::new(e.to_string()))?;
            if out.exists() {
                return Err(CliError::new(format!("{} already exists", out.display()))
                    .hint("remove it or give another --out"));
            }
            std::fs::write(out, json).map_err(|e| CliError::file("write", out, e))?;
            println!(
                "Signed the page's manifest (sha256 {}, {} files) with root {}.",
                amanat_protocol::encoding::hex(&sig.sha256),
                manifest.files.len(),
                root.fingerprint()
            );
            println!(
                "Signature written to {}; publish it with `amanat admin web publish {}`.",
                out.display(),
                out.display()
            );
            Ok(())
        }
        WebCommand::Publish { file, server } => {
            let text = std::fs::read(file).map_err(|e| CliError::file("read", file, e))?;
            let sig: amanat_protocol::web::ManifestSignature = serde_json::from_slice(&text)
                .map_err(|e| {
                    CliError::new(format!("{} is not a signed manifest: {e}", file.display()))
                        .hint("make one with `amanat admin web sign`")
                })?;
            let endpoint = Endpoint::new(
                &server.server,
                server.server_cert.as_deref(),
                server.proxy.as_deref(),
            )?;
            let logged = Api::connect(&endpoint)?.publish_web_manifest(&sig)?;
            let receipt = amanat_protocol::log::receipt::Receipt::parse(&logged.receipt)
                .map_err(|e| CliError::new(format!("the server's receipt is malformed: {e}")))?;
            println!(
                "The server logged the page's manifest (sha256 {}) as entry {}.",
                amanat_protocol::encoding::hex(&sig.sha256),
                receipt.index
            );
            println!("Check what a server serves with `amanat audit web`.");
            Ok(())
        }
    }
}

/// `amanat admin root split|combine|check-share|rotate|publish`: m-of-n custody of the root
/// key, and handing the foundation to a new one.
pub fn run_root(cmd: &RootCommand) -> Result<()> {
    match cmd {
        RootCommand::Split {
            root_key,
            shares,
            threshold,
            out_dir,
        } => {
            if out_dir.exists()
                && std::fs::read_dir(out_dir)
                    .map_err(|e| CliError::file("read", out_dir, e))?
                    .next()
                    .is_some()
            {
                return Err(CliError::new(format!("{} is not empty", out_dir.display()))
                    .hint("name a new folder, so no share of an older split is mixed in"));
            }
            let root = load_root(root_key)?;
            let made = root_shares::split(&root, *threshold, *shares)?;
            std::fs::create_dir_all(out_dir)
                .map_err(|e| CliError::file("create the folder", out_dir, e))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(out_dir, std::fs::Permissions::from_mode(0o700))
                    .map_err(|e| CliError::file("set permissions on", out_dir, e))?;
            }
            let fingerprint = root.fingerprint();
            let date = amanat_protocol::time::utc_minute(amanat_client::now());
            let mut paths = Vec::new();
            for share in &made {
                let path = out_dir.join(format!(
                    "root-share-{}-of-{}.txt",
                    share.index(),
                    share.count()
                ));
                write_private(&path, share.sheet(&fingerprint, &date).as_bytes(), false)?;
                // Read each sheet back from the disk: what a holder gets is what restores.
                let text = zeroize::Zeroizing::new(
                    std::fs::read_to_string(&path)
                        .map_err(|e| CliError::file("read back", &path, e))?,
                );
                let back = RootShare::parse(&text)?;
                if back.symbols() != share.symbols() {
                    return Err(CliError::new(format!(
                        "{} does not read back as written",
                        path.display()
                    ))
                    .hint("the disk may be failing; delete the folder and split again"));
                }
                paths.push(path);
            }
            let combos = root_shares::binomial(usize::from(*shares), usize::from(*threshold));
            println!(
                "Split root {fingerprint} into {shares} shares; any {threshold} restore it (split {}).",
                made[0].split_id()
            );
            println!(
                "Checked: every sheet reads back from the disk, and all {combos} combinations of {threshold} shares restore this root."
            );
            println!();
            for p in &paths {
                println!("    {}", p.display());
            }
            println!();
            println!(
                "Give one sheet to each holder (printed, offline), then delete {}. Keep the root key file itself\nonly as long as your policy says: the shares are now enough.",
                out_dir.display()
            );
            Ok(())
        }
        RootCommand::Combine {
            shares,
            root,
            out,
            passphrase,
        } => {
            if out.exists() {
                return Err(CliError::new(format!("{} already exists", out.display()))
                    .hint("choose a new file for the restored root key"));
            }
            let expected = root.as_deref().map(Fingerprint::parse).transpose()?;
            let mut parsed = Vec::new();
            for path in shares {
                let text = zeroize::Zeroizing::new(
                    std::fs::read_to_string(path)
                        .map_err(|e| CliError::file("read the share", path, e))?,
                );
                let share = RootShare::parse(&text).map_err(|e| in_file(path, e))?;
                if let Some(fp) = &expected
                    && !share.is_for(fp)
                {
                    return Err(CliError::new(format!(
                        "{} is a share of another root, not of {fp}",
                        path.display()
                    )));
                }
                parsed.push(share);
            }
            let key = root_shares::combine(&parsed)?;
            if let Some(fp) = &expected
                && key.fingerprint() != *fp
            {
                return Err(CliError::new(format!(
                    "the shares restore root {}, not {fp}",
                    key.fingerprint()
                )));
            }
            let pass = PassphraseSource::from_flags(passphrase.passphrase_file.as_deref());
            let passphrase = pass.read_new("the restored root key")?;
            let mut file = Vec::new();
            keys::seal_root(&key, &passphrase, &mut file)?;
            write_private(out, &file, false)?;
            println!(
                "Restored root {} from {} shares into {} (encrypted with your passphrase).",
                key.fingerprint(),
                parsed.len(),
                out.display()
            );
            Ok(())
        }
        RootCommand::Rotate {
            root_key,
            new_root_key,
            file,
            out,
        } => {
            if out.exists() {
                return Err(CliError::new(format!("{} already exists", out.display()))
                    .hint("publish or move the earlier handover first"));
            }
            let old = load_root(root_key)?;
            let pass = PassphraseSource::from_flags(root_key.passphrase.passphrase_file.as_deref());
            let new = load_root_from(new_root_key, &pass)?;
            let current = load_verified(&file.keyring, &old.fingerprint())?.ok_or_else(|| {
                CliError::new(format!(
                    "{} does not exist: there is no keyring to hand over",
                    file.keyring.display()
                ))
            })?;
            let handover = Handover::sign(&old, &new, amanat_client::now())?;
            let mut next = Keyring::successor(&current);
            next.lineage = Some(*current.codename_root().as_bytes());
            let signed = new.sign(&next)?;
            let verified = signed.verify(&new.fingerprint())?;
            let handover_json = serde_json::to_vec_pretty(&handover)
                .map_err(|e| CliError::new(format!("cannot encode the handover: {e}")))?;
            write_private(out, &handover_json, false)?;
            let json = serde_json::to_vec_pretty(&signed)
                .map_err(|e| CliError::new(format!("cannot encode the keyring: {e}")))?;
            write_private(&file.keyring, &json, true)?;
            println!(
                "Root {} hands over to root {} (handover written to {}).",
                old.fingerprint(),
                new.fingerprint(),
                out.display()
            );
            println!(
                "Keyring version {} is signed by the new root; codenames stay salted with {}.",
                verified.version(),
                verified.codename_root()
            );
            println!();
            println!("Next, on a networked machine:");
            println!(
                "    amanat admin root publish {} --server … --server-cert …",
                out.display()
            );
            println!(
                "    amanat admin keyring publish --keyring {} --server … --server-cert …",
                file.keyring.display()
            );
            println!(
                "Then publish the new fingerprint, destroy the old key and its shares, and split the new one."
            );
            Ok(())
        }
        RootCommand::Publish { file, server } => {
            let bytes = std::fs::read(file).map_err(|e| CliError::file("read", file, e))?;
            let handover: Handover = serde_json::from_slice(&bytes).map_err(|e| {
                CliError::new(format!("{} is not a root handover: {e}", file.display()))
            })?;
            handover.verify()?;
            let endpoint = Endpoint::new(
                &server.server,
                server.server_cert.as_deref(),
                server.proxy.as_deref(),
            )?;
            let logged = Api::connect(&endpoint)?.publish_handover(&handover)?;
            let index = amanat_protocol::log::receipt::Receipt::parse(&logged.receipt)
                .map(|r| r.index.to_string())
                .unwrap_or_else(|_| "?".into());
            println!(
                "The server logged the handover to root {} (entry {index}); publish the new root's keyring now.",
                handover.to_fingerprint()?
            );
            Ok(())
        }
        RootCommand::CheckShare { files, root } => {
            let expected = root.as_deref().map(Fingerprint::parse).transpose()?;
            for path in files {
                let text = zeroize::Zeroizing::new(
                    std::fs::read_to_string(path)
                        .map_err(|e| CliError::file("read the share", path, e))?,
                );
                let share = RootShare::parse(&text).map_err(|e| in_file(path, e))?;
                let belongs = match &expected {
                    Some(fp) if share.is_for(fp) => format!(", of root {fp}"),
                    Some(fp) => {
                        return Err(CliError::new(format!(
                            "{} reads back, but it is a share of another root, not of {fp}",
                            path.display()
                        )));
                    }
                    None => String::new(),
                };
                println!(
                    "{}: share {} of {} (any {} restore), split {}{belongs}: reads back, checksum good.",
                    path.display(),
                    share.index(),
                    share.count(),
                    share.threshold(),
                    share.split_id()
                );
            }
            Ok(())
        }
    }
}

/// Names the file an error came from, keeping its hint.
fn in_file(path: &Path, e: CliError) -> CliError {
    CliError {
        message: format!("{}: {}", path.display(), e.message),
        hint: e.hint,
    }
}
