//! Kernel command line parsing, with Linux 6.18's rules.
//!
//! Words are split as `lib/cmdline.c` `next_arg` splits them, then handled as
//! `kernel/params.c` `parse_args` and `init/main.c` handle them:
//!
//! - Only double quotes group (`"a b"`, `key="a b"`); single quotes are ordinary
//!   bytes and a `"` cannot be escaped. A leading quote of the word or of the
//!   value and a trailing quote are removed; inner quotes stay.
//! - Kernel options are consumed and never reach init: `console=`, `root=`,
//!   `rootfstype=`, `rootflags=`, `ro`, `rw`, `init=`, `rdinit=`, `panic=`, the
//!   early options `quiet`, `debug`, `loglevel=`, and a few more Linux consumes
//!   that this kernel ignores (see [`IGNORED_EARLY_PARAMS`], [`IGNORED_SETUPS`]).
//!   `init=` and `rdinit=` also discard init arguments given before them (LILO
//!   used to prepend "auto").
//! - Everything else goes to init: `key=value` words into its environment
//!   (replacing an earlier value of the same key), other words into its argv —
//!   except module parameters (a `.` in the key), sysctl aliases, and the boot
//!   loader's `BOOT_IMAGE=...` / `kexec...` markers, which are dropped.
//! - A `--` word ends kernel options; the words after it go to init's argv
//!   verbatim (up to a second `--`). If a kernel option before `--` had a bad
//!   value (e.g. `panic=x`), Linux drops the init arguments and so do we.
//! - Init gets at most [`MAX_INIT_ARGS`] arguments and `MAX_INIT_ENVS + 1`
//!   environment strings (HOME and TERM included). Linux panics past that; we
//!   keep what fit, drop the rest, and record a warning.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// `COMMAND_LINE_SIZE` on x86: the boot line is cut to 2047 bytes.
pub const COMMAND_LINE_SIZE: usize = 2048;
/// Most arguments init gets after `argv[0]` (`MAX_INIT_ARGS`).
pub const MAX_INIT_ARGS: usize = 32;
/// `MAX_INIT_ENVS`: Linux's envp_init holds this many plus one entries.
pub const MAX_INIT_ENVS: usize = 32;
/// Console log level `quiet` sets (`CONSOLE_LOGLEVEL_QUIET`).
pub const CONSOLE_LOGLEVEL_QUIET: u8 = 4;
/// Console log level `debug` sets (`CONSOLE_LOGLEVEL_DEBUG`).
pub const CONSOLE_LOGLEVEL_DEBUG: u8 = 10;
/// The environment init starts with (`envp_init`).
pub const DEFAULT_INIT_ENV: [&str; 2] = ["HOME=/", "TERM=linux"];

/// Early parameters Linux x86_64 consumes (with or without a value) that this
/// kernel has no use for. Listed so they do not leak into init's environment.
pub const IGNORED_EARLY_PARAMS: &[&str] = &[
    "acpi",
    "earlycon",
    "earlyprintk",
    "ignore_loglevel",
    "keep_bootcon",
    "maxcpus",
    "mem",
    "mitigations",
    "noapic",
    "nolapic",
    "nosmp",
    "nr_cpus",
];

/// `__setup` options Linux consumes that this kernel ignores: the ones ending in
/// `=` only with a value, the others only exactly.
pub const IGNORED_SETUPS: &[&str] = &["reboot=", "rootdelay=", "rootwait", "rootwait=", "tsc="];

/// Parameters Linux maps to sysctls (`sysctl_aliases`); never passed to init.
const SYSCTL_ALIASES: &[&str] = &[
    "hardlockup_all_cpu_backtrace",
    "hung_task_panic",
    "numa_zonelist_order",
    "softlockup_all_cpu_backtrace",
];

/// `saved_root_name` holds 64 bytes, NUL included.
const ROOT_NAME_MAX: usize = 63;

/// What the command line asks of the kernel and hands to init.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cmdline {
    /// Every `console=` value, in order. An empty value is Linux's (obsolete)
    /// way of asking for no console output.
    pub console: Vec<String>,
    /// `rdinit=`: the program to run from the initramfs (Linux default "/init").
    pub rdinit: Option<String>,
    /// `init=`: the program to run from the real root (Linux tries /sbin/init,
    /// /etc/init, /bin/init, /bin/sh when absent).
    pub init: Option<String>,
    /// `root=`, cut to 63 bytes as Linux's `saved_root_name` does.
    pub root: Option<String>,
    pub rootfstype: Option<String>,
    pub rootflags: Option<String>,
    /// `ro` → `Some(true)`, `rw` → `Some(false)`, last one wins. Linux mounts
    /// the root read-only when neither is given.
    pub read_only: Option<bool>,
    /// `quiet` was given.
    pub quiet: bool,
    /// Console log level after `quiet` (→ 4), `debug` (→ 10) and `loglevel=N`,
    /// applied in command-line order, so the last one wins. `None` if none was
    /// given (Linux then uses CONFIG_CONSOLE_LOGLEVEL_DEFAULT, usually 7).
    pub loglevel: Option<u8>,
    /// `panic=N`: seconds before rebooting after a panic; 0 waits forever,
    /// negative reboots at once.
    pub panic_timeout: Option<i64>,
    /// `argv[1..]` for init; the caller supplies `argv[0]` (the program path).
    pub init_args: Vec<String>,
    /// init's full environment, starting with HOME=/ and TERM=linux.
    pub init_env: Vec<String>,
    /// Problems Linux would log or panic on, in a readable form.
    pub warnings: Vec<String>,
}

impl Default for Cmdline {
    /// The result of an empty command line.
    fn default() -> Self {
        Cmdline {
            console: Vec::new(),
            rdinit: None,
            init: None,
            root: None,
            rootfstype: None,
            rootflags: None,
            read_only: None,
            quiet: false,
            loglevel: None,
            panic_timeout: None,
            init_args: Vec::new(),
            init_env: DEFAULT_INIT_ENV.iter().map(|s| (*s).to_owned()).collect(),
            warnings: Vec::new(),
        }
    }
}

/// Parses a command line given as text.
pub fn parse(cmdline: &str) -> Cmdline {
    parse_bytes(cmdline.as_bytes())
}

/// Parses a command line given as raw bytes (as a boot loader passes it). Bytes
/// that are not UTF-8 are replaced with U+FFFD in the strings returned.
pub fn parse_bytes(raw: &[u8]) -> Cmdline {
    let mut p = Parser::new();
    let line = p.boot_command_line(raw);

    let mut rest = skip_spaces(line);
    let mut had_error = false;
    let mut after_dashes = None;
    while !rest.is_empty() {
        let (param, next) = next_arg(rest);
        rest = next;
        if param.is_dashes() {
            after_dashes = Some(rest);
            break;
        }
        p.early_param(param);
        if !p.kernel_param(param) {
            had_error = true;
        }
    }

    if let Some(mut rest) = after_dashes {
        if had_error {
            // parse_args returns the error instead of the "--" position.
            if !rest.is_empty() {
                p.warn(String::from(
                    "init arguments after `--' ignored: an earlier kernel parameter was invalid",
                ));
            }
        } else {
            while !rest.is_empty() {
                let (param, next) = next_arg(rest);
                rest = next;
                if param.is_dashes() {
                    break;
                }
                p.push_arg(param.joined());
            }
        }
    }
    p.finish()
}

/// One word of the command line, split at its first `=` (none if `=` is the
/// first byte), with the quotes `next_arg` removes already removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param<'a> {
    pub name: &'a [u8],
    pub value: Option<&'a [u8]>,
}

impl Param<'_> {
    fn is_dashes(&self) -> bool {
        self.value.is_none() && self.name == b"--"
    }

    /// The word as Linux's `repair_env_string` rebuilds it: `name=value`.
    fn joined(&self) -> Vec<u8> {
        let mut w = self.name.to_vec();
        if let Some(v) = self.value {
            w.push(b'=');
            w.extend_from_slice(v);
        }
        w
    }
}

/// Iterates over the words of a command line with `next_arg`'s rules, not
/// stopping at `--`. For kernel code that wants to read its own parameters.
pub fn args(cmdline: &[u8]) -> Args<'_> {
    Args {
        rest: skip_spaces(cmdline),
    }
}

/// Iterator returned by [`args`].
#[derive(Clone, Debug)]
pub struct Args<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Args<'a> {
    type Item = Param<'a>;

    fn next(&mut self) -> Option<Param<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        let (param, rest) = next_arg(self.rest);
        self.rest = rest;
        Some(param)
    }
}

/// Linux's `isspace` (lib/ctype.c): the C whitespace set plus 0xA0, which the
/// kernel's Latin-1 table also counts as space.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0xa0)
}

fn skip_spaces(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| is_space(c)).count();
    &s[n..]
}

/// `next_arg` on a non-empty string that does not start with a space: splits
/// off one word and returns the rest with leading spaces skipped.
fn next_arg(args: &[u8]) -> (Param<'_>, &[u8]) {
    let quoted = args.first() == Some(&b'"');
    let body = if quoted { &args[1..] } else { args };

    let mut in_quote = quoted;
    let mut equals = 0;
    let mut len = 0;
    for (i, &c) in body.iter().enumerate() {
        if is_space(c) && !in_quote {
            break;
        }
        if equals == 0 && c == b'=' {
            equals = i;
        }
        if c == b'"' {
            in_quote = !in_quote;
        }
        len = i + 1;
    }
    let word = &body[..len];
    let rest = skip_spaces(body.get(len + 1..).unwrap_or_default());

    // Linux overwrites a trailing quote with NUL when the word or the value
    // began with one.
    let ends_with_quote = word.last() == Some(&b'"');
    let param = if equals == 0 {
        let end = if quoted && ends_with_quote {
            len - 1
        } else {
            len
        };
        Param {
            name: &word[..end],
            value: None,
        }
    } else {
        let mut start = equals + 1;
        let value_quoted = word.get(start) == Some(&b'"');
        if value_quoted {
            start += 1;
        }
        let end = if ends_with_quote && (quoted || value_quoted) {
            len - 1
        } else {
            len
        };
        // `a="` : the opening and the closing quote are the same byte.
        let end = end.max(start);
        Param {
            name: &word[..equals],
            value: Some(&word[start..end]),
        }
    };
    (param, rest)
}

/// `parameqn`: prefix comparison where '-' and '_' are the same.
fn param_has_prefix(s: &[u8], prefix: &str) -> bool {
    let prefix = prefix.as_bytes();
    s.len() >= prefix.len()
        && s.iter()
            .zip(prefix)
            .all(|(&a, &b)| dash_to_underscore(a) == dash_to_underscore(b))
}

/// `parameq`: whole-name comparison where '-' and '_' are the same.
fn param_eq(s: &[u8], name: &str) -> bool {
    s.len() == name.len() && param_has_prefix(s, name)
}

fn dash_to_underscore(c: u8) -> u8 {
    if c == b'-' { b'_' } else { c }
}

struct Parser {
    out: Cmdline,
    argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
    /// Linux's `panic_later`: set once init's argv or envp overflowed; from then
    /// on nothing more is handed to init.
    overflowed: bool,
}

impl Parser {
    fn new() -> Self {
        Parser {
            out: Cmdline::default(),
            argv: Vec::new(),
            envp: DEFAULT_INIT_ENV
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect(),
            overflowed: false,
        }
    }

    fn warn(&mut self, msg: String) {
        self.out.warnings.push(msg);
    }

    /// The C string the boot loader gave, cut as Linux copies it into
    /// `boot_command_line`.
    fn boot_command_line<'a>(&mut self, raw: &'a [u8]) -> &'a [u8] {
        let mut line = raw;
        if let Some(nul) = line.iter().position(|&b| b == 0) {
            line = &line[..nul];
            if raw[nul..].iter().any(|&b| b != 0) {
                self.warn(String::from("command line: text after a NUL byte ignored"));
            }
        }
        if line.len() >= COMMAND_LINE_SIZE {
            line = &line[..COMMAND_LINE_SIZE - 1];
            self.warn(format!(
                "command line truncated to {} bytes",
                COMMAND_LINE_SIZE - 1
            ));
        }
        line
    }

    /// `do_early_param`: quiet, debug and loglevel take effect in the early pass.
    fn early_param(&mut self, param: Param<'_>) {
        if param_eq(param.name, "quiet") {
            self.out.quiet = true;
            self.out.loglevel = Some(CONSOLE_LOGLEVEL_QUIET);
        } else if param_eq(param.name, "debug") {
            self.out.loglevel = Some(CONSOLE_LOGLEVEL_DEBUG);
        } else if param_eq(param.name, "loglevel") {
            match param.value.and_then(get_option) {
                Some(level) => match u8::try_from(level) {
                    Ok(level) => self.out.loglevel = Some(level),
                    Err(_) => self.warn(format!("loglevel={level} out of range, ignored")),
                },
                None => self.warn(String::from("Malformed early option 'loglevel'")),
            }
        }
    }

    /// `parse_one` then `unknown_bootoption`. Returns false where `parse_one`
    /// reports an error, which makes Linux discard the init arguments.
    fn kernel_param(&mut self, param: Param<'_>) -> bool {
        // The one built-in `kernel_param` (core_param) handled here.
        if param_eq(param.name, "panic") {
            return self.panic_param(param.value);
        }

        if SYSCTL_ALIASES.iter().any(|a| param.name == a.as_bytes()) {
            return true;
        }
        let word = param.joined();
        if word.starts_with(b"BOOT_IMAGE=") || word.starts_with(b"kexec") {
            return true;
        }
        if self.checksetup(&word) {
            return true;
        }
        if param.name.contains(&b'.') {
            // An unused module parameter: modprobe reads it from /proc/cmdline.
            return true;
        }
        match param.value {
            Some(_) => self.push_env(word, param.name.len()),
            None => self.push_arg(word),
        }
        true
    }

    fn panic_param(&mut self, value: Option<&[u8]>) -> bool {
        match value.and_then(kstrtoint) {
            Some(v) => {
                self.out.panic_timeout = Some(i64::from(v));
                true
            }
            None => {
                let shown = String::from_utf8_lossy(value.unwrap_or_default()).into_owned();
                self.warn(format!(
                    "Booting kernel: `{shown}' invalid for parameter `panic'"
                ));
                false
            }
        }
    }

    /// `obsolete_checksetup`: whether a `__setup`/early option consumes `word`.
    fn checksetup(&mut self, word: &[u8]) -> bool {
        let early = ["quiet", "debug", "loglevel"]
            .iter()
            .chain(IGNORED_EARLY_PARAMS);
        for name in early {
            if param_has_prefix(word, name) && matches!(word.get(name.len()), None | Some(b'=')) {
                return true;
            }
        }

        let value_of = |name: &str| -> Option<Vec<u8>> {
            param_has_prefix(word, name).then(|| word[name.len()..].to_vec())
        };
        // Flags: Linux's handlers refuse (return 0) when anything follows.
        let is_flag = |name: &str| param_eq(word, name);

        if let Some(v) = value_of("console=") {
            self.out.console.push(lossy(&v));
        } else if let Some(v) = value_of("root=") {
            if v.len() > ROOT_NAME_MAX {
                self.warn(format!("root= truncated to {ROOT_NAME_MAX} bytes"));
            }
            self.out.root = Some(lossy(&v[..v.len().min(ROOT_NAME_MAX)]));
        } else if let Some(v) = value_of("rootfstype=") {
            self.out.rootfstype = Some(lossy(&v));
        } else if let Some(v) = value_of("rootflags=") {
            self.out.rootflags = Some(lossy(&v));
        } else if is_flag("ro") {
            self.out.read_only = Some(true);
        } else if is_flag("rw") {
            self.out.read_only = Some(false);
        } else if let Some(v) = value_of("init=") {
            self.out.init = Some(lossy(&v));
            self.argv.clear();
        } else if let Some(v) = value_of("rdinit=") {
            self.out.rdinit = Some(lossy(&v));
            self.argv.clear();
        } else if !IGNORED_SETUPS.iter().any(|s| {
            if s.ends_with('=') {
                param_has_prefix(word, s)
            } else {
                is_flag(s)
            }
        }) {
            return false;
        }
        true
    }

    fn push_arg(&mut self, word: Vec<u8>) {
        if self.overflowed {
            return;
        }
        if self.argv.len() >= MAX_INIT_ARGS {
            self.overflow("init", &word);
            return;
        }
        self.argv.push(word);
    }

    /// Adds `key=value` to init's environment, replacing an entry with the same
    /// key (`key_len` bytes, compared with the '=').
    fn push_env(&mut self, word: Vec<u8>, key_len: usize) {
        if self.overflowed {
            return;
        }
        let key = &word[..=key_len];
        if let Some(slot) = self.envp.iter_mut().find(|e| e.starts_with(key)) {
            *slot = word;
            return;
        }
        if self.envp.len() > MAX_INIT_ENVS {
            self.overflow("env", &word);
            return;
        }
        self.envp.push(word);
    }

    fn overflow(&mut self, what: &str, word: &[u8]) {
        self.overflowed = true;
        self.warn(format!(
            "Too many boot {what} vars at `{}' (Linux panics); it and later init parameters dropped",
            lossy(word)
        ));
    }

    fn finish(mut self) -> Cmdline {
        let argv = core::mem::take(&mut self.argv);
        let envp = core::mem::take(&mut self.envp);
        self.out.init_args = argv.iter().map(|w| self.checked_lossy(w)).collect();
        self.out.init_env = envp.iter().map(|w| self.checked_lossy(w)).collect();
        self.out
    }

    fn checked_lossy(&mut self, w: &[u8]) -> String {
        let s = lossy(w);
        if core::str::from_utf8(w).is_err() {
            self.warn(format!("non-UTF-8 bytes replaced in init parameter `{s}'"));
        }
        s
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `_parse_integer_fixup_radix` with base 0: "0x" + hex digit → 16, "0" → 8.
fn fixup_radix(s: &[u8]) -> (u64, &[u8]) {
    match s {
        [b'0', x, d, ..] if x | 0x20 == b'x' && d.is_ascii_hexdigit() => (16, &s[2..]),
        [b'0', ..] => (8, s),
        _ => (10, s),
    }
}

/// `_parse_integer`: digits consumed, wrapped value, and whether it overflowed.
fn parse_integer(s: &[u8], base: u64) -> (usize, u64, bool) {
    let mut value: u64 = 0;
    let mut overflow = false;
    let mut n = 0;
    for &c in s {
        let digit = match c {
            b'0'..=b'9' => u64::from(c - b'0'),
            _ if (b'a'..=b'f').contains(&(c | 0x20)) => u64::from((c | 0x20) - b'a' + 10),
            _ => break,
        };
        if digit >= base {
            break;
        }
        match value.checked_mul(base).and_then(|v| v.checked_add(digit)) {
            Some(v) => value = v,
            None => {
                overflow = true;
                value = value.wrapping_mul(base).wrapping_add(digit);
            }
        }
        n += 1;
    }
    (n, value, overflow)
}

/// `kstrtoint(s, 0)`: the whole string must be one integer (an optional sign,
/// base prefix, digits, one optional trailing newline) that fits an `i32`.
fn kstrtoint(s: &[u8]) -> Option<i32> {
    let (negative, unsigned) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (base, digits) = fixup_radix(unsigned);
    let (n, value, overflow) = parse_integer(digits, base);
    if overflow || n == 0 {
        return None;
    }
    let tail = &digits[n..];
    if !(tail.is_empty() || tail == b"\n") {
        return None;
    }
    let signed = if negative {
        0i128 - i128::from(value)
    } else {
        i128::from(value)
    };
    i32::try_from(signed).ok()
}

/// `get_option` as `loglevel=` uses it: a leading integer (optional '-', base
/// prefix) with anything after it ignored, truncated to an `int` like C does.
fn get_option(s: &[u8]) -> Option<i32> {
    let (negative, unsigned) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let (base, digits) = fixup_radix(unsigned);
    let (n, value, _) = parse_integer(digits, base);
    if n == 0 {
        return None;
    }
    let value = if negative {
        value.wrapping_neg()
    } else {
        value
    };
    // C converts the unsigned long long to int by keeping the low 32 bits.
    Some(value as u32 as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| String::from(*s)).collect()
    }

    fn env_with(extra: &[&str]) -> Vec<String> {
        let mut e = strs(&DEFAULT_INIT_ENV);
        e.extend(strs(extra));
        e
    }

    fn words(s: &str) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        args(s.as_bytes())
            .map(|p| (p.name.to_vec(), p.value.map(<[u8]>::to_vec)))
            .collect()
    }

    #[test]
    fn empty_line_gives_linux_defaults() {
        for line in ["", "   ", "\t\n "] {
            let c = parse(line);
            assert_eq!(c, Cmdline::default());
            assert_eq!(c.init_env, strs(&["HOME=/", "TERM=linux"]));
            assert!(c.init_args.is_empty() && c.warnings.is_empty());
        }
    }

    #[test]
    fn dashes_hand_the_rest_to_init() {
        let c = parse(r#"console=ttyS0 rdinit=/bin/sh -- -c "echo hello; exit 7""#);
        assert_eq!(c.console, strs(&["ttyS0"]));
        assert_eq!(c.rdinit.as_deref(), Some("/bin/sh"));
        assert_eq!(c.init_args, strs(&["-c", "echo hello; exit 7"]));
        assert_eq!(c.init_env, env_with(&[]));
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn after_dashes_everything_is_argv_and_kernel_options_are_inert() {
        let c = parse("quiet -- a=b console=tty1 x.y=1 panic=3 init=/x -- ignored");
        assert_eq!(
            c.init_args,
            strs(&["a=b", "console=tty1", "x.y=1", "panic=3", "init=/x"])
        );
        assert!(c.console.is_empty());
        assert_eq!(c.panic_timeout, None);
        assert_eq!(c.init, None);
        assert!(c.quiet);
    }

    #[test]
    fn bad_kernel_value_drops_init_args_like_linux() {
        let c = parse("panic=abc -- sh -c true");
        assert!(c.init_args.is_empty());
        assert_eq!(c.panic_timeout, None);
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        // A bad value after `--` is just an argument.
        assert_eq!(parse("-- panic=abc").init_args, strs(&["panic=abc"]));
    }

    #[test]
    fn unknown_words_go_to_init() {
        let c = parse("foo=bar baz");
        assert_eq!(c.init_env, env_with(&["foo=bar"]));
        assert_eq!(c.init_args, strs(&["baz"]));
    }

    #[test]
    fn env_replaces_same_key_in_place() {
        let c = parse("TERM=vt100 A=1 HOME=/root A=2 AB=3");
        assert_eq!(
            c.init_env,
            strs(&["HOME=/root", "TERM=vt100", "A=2", "AB=3"])
        );
    }

    #[test]
    fn module_params_sysctl_aliases_and_boot_loader_markers_are_dropped() {
        let c = parse(
            "mod.param=1 a.b sysctl.vm.swappiness=10 hung_task_panic=1 \
             BOOT_IMAGE=/vmlinuz kexec_jump=1 keep v=a.b",
        );
        assert_eq!(c.init_args, strs(&["keep"]));
        assert_eq!(c.init_env, env_with(&["v=a.b"]));
    }

    #[test]
    fn quoted_values() {
        let c = parse(r#"param="a b" "x=y z" "plain word" q='a b'"#);
        assert_eq!(c.init_env, env_with(&["param=a b", "x=y z", "q='a"]));
        assert_eq!(c.init_args, strs(&["plain word", "b'"]));
    }

    #[test]
    fn next_arg_quote_rules() {
        type W = (Vec<u8>, Option<Vec<u8>>);
        let w = |n: &str, v: Option<&str>| -> W {
            (n.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec()))
        };
        // Inner quotes are kept; only a leading and a trailing one go.
        assert_eq!(words(r#"a="b"c"#), [w("a", Some(r#"b"c"#))]);
        assert_eq!(words(r#"a=b"c d"e"#), [w("a", Some(r#"b"c d"e"#))]);
        assert_eq!(words(r#""ab"cd"#), [w(r#"ab"cd"#, None)]);
        // Unterminated quote runs to the end of the line.
        assert_eq!(words(r#"a="b c d"#), [w("a", Some("b c d"))]);
        assert_eq!(words(r#""b c"#), [w("b c", None)]);
        // Degenerate quotes.
        assert_eq!(words(r#"""#), [w("", None)]);
        assert_eq!(words(r#""""#), [w("", None)]);
        assert_eq!(words(r#"a=""#), [w("a", Some(""))]);
        assert_eq!(words(r#"a="""#), [w("a", Some(""))]);
        // '=' first means no value; only the first '=' splits.
        assert_eq!(
            words("=x a=b=c a="),
            [w("=x", None), w("a", Some("b=c")), w("a", Some(""))]
        );
        // Every Linux whitespace byte separates, 0xA0 included.
        assert_eq!(
            args(b"a\tb\nc\x0bd\x0ce\rf\xa0g")
                .map(|p| p.name)
                .collect::<Vec<_>>(),
            [&b"a"[..], b"b", b"c", b"d", b"e", b"f", b"g"]
        );
    }

    #[test]
    fn panic_values() {
        assert_eq!(parse("panic=-1").panic_timeout, Some(-1));
        assert_eq!(parse("panic=0x10").panic_timeout, Some(16));
        assert_eq!(parse("panic=010").panic_timeout, Some(8));
        assert_eq!(parse("panic=+5").panic_timeout, Some(5));
        assert_eq!(
            parse("panic=2147483647").panic_timeout,
            Some(i64::from(i32::MAX))
        );
        assert_eq!(
            parse("panic=-2147483648").panic_timeout,
            Some(i64::from(i32::MIN))
        );
        for bad in [
            "panic=2147483648",
            "panic=1x",
            "panic=",
            "panic",
            "panic=-+1",
            "panic=0x",
        ] {
            let c = parse(bad);
            assert_eq!(c.panic_timeout, None, "{bad}");
            assert_eq!(c.warnings.len(), 1, "{bad}");
            assert!(
                c.init_args.is_empty() && c.init_env == env_with(&[]),
                "{bad}"
            );
        }
        // The last valid value wins.
        assert_eq!(parse("panic=1 panic=30").panic_timeout, Some(30));
    }

    #[test]
    fn loglevel_quiet_debug_in_order() {
        let c = parse("quiet");
        assert!(c.quiet);
        assert_eq!(c.loglevel, Some(CONSOLE_LOGLEVEL_QUIET));
        assert_eq!(parse("debug").loglevel, Some(CONSOLE_LOGLEVEL_DEBUG));
        assert_eq!(parse("quiet loglevel=7").loglevel, Some(7));
        assert_eq!(parse("loglevel=7 quiet").loglevel, Some(4));
        assert_eq!(parse("quiet debug").loglevel, Some(10));
        // get_option ignores what follows the number.
        assert_eq!(parse("loglevel=3,junk").loglevel, Some(3));
        assert_eq!(parse("loglevel=0x5").loglevel, Some(5));
        let bad = parse("loglevel=x loglevel");
        assert_eq!(bad.loglevel, None);
        assert_eq!(bad.warnings.len(), 2);
        assert!(bad.init_args.is_empty() && bad.init_env == env_with(&[]));
        assert_eq!(parse("loglevel=-1").loglevel, None);
        // Early options are matched on the name, whatever the value.
        assert!(parse("quiet=0").quiet);
        // Not an early option: a longer word.
        let c = parse("quietly");
        assert!(!c.quiet);
        assert_eq!(c.init_args, strs(&["quietly"]));
    }

    #[test]
    fn root_options() {
        let c = parse("root=/dev/vda1 rootfstype=ext4 rootflags=data=ordered ro");
        assert_eq!(c.root.as_deref(), Some("/dev/vda1"));
        assert_eq!(c.rootfstype.as_deref(), Some("ext4"));
        assert_eq!(c.rootflags.as_deref(), Some("data=ordered"));
        assert_eq!(c.read_only, Some(true));
        assert_eq!(parse("ro rw").read_only, Some(false));
        assert_eq!(parse("rw ro").read_only, Some(true));
        // "ro=1" is not the ro flag: init gets it.
        let c = parse("ro=1 rox");
        assert_eq!(c.read_only, None);
        assert_eq!(c.init_env, env_with(&["ro=1"]));
        assert_eq!(c.init_args, strs(&["rox"]));
        let long = "x".repeat(100);
        let c = parse(&format!("root=/{long}"));
        assert_eq!(c.root.as_ref().map(String::len), Some(63));
        assert_eq!(c.warnings.len(), 1);
    }

    #[test]
    fn consoles_accumulate() {
        let c = parse("console=tty0 console=ttyS0,115200n8 console=");
        assert_eq!(c.console, strs(&["tty0", "ttyS0,115200n8", ""]));
        // Without '=' it is not the console option.
        assert_eq!(parse("console").init_args, strs(&["console"]));
    }

    #[test]
    fn init_discards_earlier_args() {
        let c = parse("auto single init=/bin/sh -x E=1");
        assert_eq!(c.init.as_deref(), Some("/bin/sh"));
        assert_eq!(c.init_args, strs(&["-x"]));
        assert_eq!(c.init_env, env_with(&["E=1"]));
        let c = parse("a rdinit=/init b -- c");
        assert_eq!(c.init_args, strs(&["b", "c"]));
        assert_eq!(
            parse(r#"init="/sbin/my init""#).init.as_deref(),
            Some("/sbin/my init")
        );
    }

    #[test]
    fn ignored_kernel_options_do_not_reach_init() {
        let c = parse(
            "earlyprintk=serial,ttyS0 nosmp mem=512M rootwait reboot=t tsc=reliable mitigations=off",
        );
        assert!(c.init_args.is_empty(), "{:?}", c.init_args);
        assert_eq!(c.init_env, env_with(&[]));
        // Flag-style setups take no value; dashes match underscores.
        let c = parse("rootwaitx keep-bootcon");
        assert_eq!(c.init_args, strs(&["rootwaitx"]));
    }

    #[test]
    fn too_many_init_args_truncates_with_warning() {
        let line: Vec<String> = (0..40).map(|i| format!("a{i}")).collect();
        let c = parse(&line.join(" "));
        assert_eq!(c.init_args.len(), MAX_INIT_ARGS);
        assert_eq!(c.init_args.last().map(String::as_str), Some("a31"));
        assert_eq!(c.warnings.len(), 1);
        assert!(c.warnings[0].contains("`a32'"), "{:?}", c.warnings);

        // After the overflow nothing more reaches init, even after "--".
        let c = parse(&format!("{} E=1 -- tail", line.join(" ")));
        assert_eq!(c.init_args.len(), MAX_INIT_ARGS);
        assert_eq!(c.init_env, env_with(&[]));

        // Exactly 32 after "--" is fine.
        let c = parse(&format!("-- {}", line[..32].join(" ")));
        assert_eq!(c.init_args.len(), 32);
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn too_many_init_envs_truncates_with_warning() {
        let line: Vec<String> = (0..40).map(|i| format!("V{i}=x")).collect();
        let c = parse(&line.join(" "));
        // HOME and TERM plus 31 more: MAX_INIT_ENVS + 1 entries.
        assert_eq!(c.init_env.len(), MAX_INIT_ENVS + 1);
        assert_eq!(c.init_env.last().map(String::as_str), Some("V30=x"));
        assert_eq!(c.warnings.len(), 1);
        // Replacing an existing key never overflows.
        let c = parse(&format!("{} V0=y", line[..31].join(" ")));
        assert_eq!(c.init_env[2], "V0=y");
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn nul_truncates_and_long_lines_are_cut() {
        let c = parse_bytes(b"a\0b c");
        assert_eq!(c.init_args, strs(&["a"]));
        assert_eq!(c.warnings.len(), 1);
        assert!(parse_bytes(b"a\0\0\0").warnings.is_empty());

        let mut long = b"x ".repeat(1023);
        long.extend_from_slice(b"yz");
        assert_eq!(long.len(), 2048);
        let c = parse_bytes(&long);
        // 2047 bytes keep "y" and lose "z"; argv overflowed long before.
        assert!(c.warnings.iter().any(|w| w.contains("2047")));
        let c = parse_bytes(&[b"-- ".as_slice(), &[b'q'; 3000]].concat());
        assert_eq!(c.init_args.first().map(String::len), Some(2047 - 3));
    }

    #[test]
    fn garbage_never_panics() {
        let c = parse_bytes(b"\xff\xfe=\x80 \"\" = == \"= \xc3");
        assert!(c.init_args.iter().any(|a| a.contains('\u{fffd}')));
        assert!(c.warnings.iter().any(|w| w.contains("non-UTF-8")));
        // Exhaustively try short lines over an alphabet of the interesting bytes.
        let alphabet = b" =\"-.a\xa0\x00";
        let mut buf = [0u8; 5];
        for n in 0..alphabet.len().pow(5) {
            let mut k = n;
            for b in buf.iter_mut() {
                *b = alphabet[k % alphabet.len()];
                k /= alphabet.len();
            }
            let _ = parse_bytes(&buf);
            let _ = args(&buf).count();
        }
    }

    #[test]
    fn integer_parsers() {
        assert_eq!(kstrtoint(b"42\n"), Some(42));
        assert_eq!(kstrtoint(b"42\n\n"), None);
        assert_eq!(kstrtoint(b"0"), Some(0));
        assert_eq!(kstrtoint(b"-0"), Some(0));
        assert_eq!(kstrtoint(b"08"), None);
        assert_eq!(kstrtoint(b"0X1f"), Some(31));
        assert_eq!(kstrtoint(b"99999999999999999999999"), None);
        assert_eq!(get_option(b"12abc"), Some(12));
        assert_eq!(get_option(b"-3"), Some(-3));
        assert_eq!(get_option(b"4294967297"), Some(1));
        assert_eq!(get_option(b"x"), None);
        assert_eq!(get_option(b"-"), None);
        assert_eq!(get_option(b""), None);
    }
}
