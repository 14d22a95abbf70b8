//! Behaviour of the line discipline, checked against what Linux's n_tty does.

use linux_abi::Errno;
use linux_abi::uapi::termios::*;

use super::*;

fn ldisc_with(edit: impl FnOnce(&mut Termios)) -> LineDiscipline {
    let mut t = TTY_STD_TERMIOS;
    edit(&mut t);
    LineDiscipline::new(t)
}

fn raw(vmin: u8, vtime: u8) -> LineDiscipline {
    ldisc_with(|t| {
        t.c_lflag &= !(ICANON | ECHO);
        t.c_cc[VMIN] = vmin;
        t.c_cc[VTIME] = vtime;
    })
}

fn feed(ld: &mut LineDiscipline, bytes: &[u8]) -> Vec<TtySignal> {
    bytes.iter().filter_map(|&b| ld.receive(b)).collect()
}

fn echoed(ld: &mut LineDiscipline) -> Vec<u8> {
    let mut out = Vec::new();
    ld.flush_echoes(&mut |b| out.push(b));
    out
}

fn read(ld: &mut LineDiscipline, cap: usize) -> Vec<u8> {
    let mut buf = vec![0; cap];
    let n = ld.read(&mut buf);
    buf.truncate(n);
    buf
}

fn output(ld: &mut LineDiscipline, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    ld.process_output(bytes, &mut |b| out.push(b));
    out
}

// ---- canonical line editing ----------------------------------------------------------------

#[test]
fn line_is_readable_only_after_enter() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"abc");
    assert!(!ld.can_read());
    assert_eq!(ld.read(&mut [0; 8]), 0);
    feed(&mut ld, b"\r");
    assert!(ld.can_read());
    assert_eq!(echoed(&mut ld), b"abc\r\n");
    assert_eq!(read(&mut ld, 64), b"abc\n");
    assert!(!ld.can_read());
}

#[test]
fn a_canonical_read_returns_one_line() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"one\rtwo\r");
    assert_eq!(read(&mut ld, 64), b"one\n");
    assert_eq!(read(&mut ld, 64), b"two\n");
    assert!(!ld.can_read());
}

#[test]
fn a_short_read_leaves_the_rest_of_the_line() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"hello\r");
    assert_eq!(read(&mut ld, 2), b"he");
    assert_eq!(read(&mut ld, 2), b"ll");
    assert_eq!(read(&mut ld, 2), b"o\n");
    assert!(!ld.can_read());
}

#[test]
fn erase_removes_one_character_and_rubs_it_out() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"abx\x7fc\r");
    assert_eq!(echoed(&mut ld), b"abx\x08 \x08c\r\n");
    assert_eq!(read(&mut ld, 64), b"abc\n");
}

#[test]
fn erase_on_an_empty_line_does_nothing() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"\x7f\x7f\x15\x17");
    assert!(echoed(&mut ld).is_empty());
    feed(&mut ld, b"x\r");
    assert_eq!(read(&mut ld, 64), b"x\n");
}

#[test]
fn erase_does_not_cross_a_completed_line() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"ab\r\x7f\x7f\x7fc\r");
    assert_eq!(read(&mut ld, 64), b"ab\n");
    assert_eq!(read(&mut ld, 64), b"c\n");
}

#[test]
fn erase_without_echoe_echoes_the_erase_character() {
    let mut ld = ldisc_with(|t| t.c_lflag &= !ECHOE);
    feed(&mut ld, b"ab\x7f");
    assert_eq!(echoed(&mut ld), b"ab^?");
    let mut ld = ldisc_with(|t| t.c_lflag &= !(ECHOE | ECHOCTL));
    feed(&mut ld, b"ab\x7f");
    assert_eq!(echoed(&mut ld), b"ab\x7f");
}

#[test]
fn erasing_a_control_character_rubs_out_its_caret_form() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"\x01\x7f");
    assert_eq!(echoed(&mut ld), b"^A\x08 \x08\x08 \x08");
    let mut ld = ldisc_with(|t| t.c_lflag &= !ECHOCTL);
    feed(&mut ld, b"\x01\x7f");
    assert_eq!(echoed(&mut ld), b"\x01");
}

#[test]
fn kill_with_echoke_rubs_out_the_whole_line() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"abc\x15");
    assert_eq!(echoed(&mut ld), b"abc\x08 \x08\x08 \x08\x08 \x08");
    assert_eq!(ld.input_available(), 0);
    feed(&mut ld, b"d\r");
    assert_eq!(read(&mut ld, 64), b"d\n");
}

#[test]
fn kill_without_echoke_echoes_the_kill_char_and_a_newline() {
    let mut ld = ldisc_with(|t| t.c_lflag &= !ECHOKE);
    feed(&mut ld, b"abc\x15d\r");
    assert_eq!(echoed(&mut ld), b"abc^U\r\nd\r\n");
    assert_eq!(read(&mut ld, 64), b"d\n");

    let mut ld = ldisc_with(|t| t.c_lflag &= !(ECHOKE | ECHOK));
    feed(&mut ld, b"abc\x15");
    assert_eq!(echoed(&mut ld), b"abc^U");

    let mut ld = ldisc_with(|t| t.c_lflag &= !ECHO);
    feed(&mut ld, b"abc\x15d\r");
    assert!(echoed(&mut ld).is_empty());
    assert_eq!(read(&mut ld, 64), b"d\n");
}

#[test]
fn werase_removes_the_last_word_and_trailing_blanks() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"foo bar\x17");
    assert_eq!(echoed(&mut ld), b"foo bar\x08 \x08\x08 \x08\x08 \x08");
    feed(&mut ld, b"\r");
    assert_eq!(read(&mut ld, 64), b"foo \n");

    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"cd foo_1  \x17\r");
    assert_eq!(read(&mut ld, 64), b"cd \n");
}

#[test]
fn werase_needs_iexten() {
    let mut ld = ldisc_with(|t| t.c_lflag &= !IEXTEN);
    feed(&mut ld, b"foo\x17\r");
    assert_eq!(read(&mut ld, 64), b"foo\x17\n");
}

#[test]
fn iutf8_erase_removes_a_whole_character() {
    let mut ld = ldisc_with(|t| t.c_iflag |= IUTF8);
    feed(&mut ld, "hé".as_bytes());
    feed(&mut ld, b"\x7f");
    // é is one column wide, so one rubout.
    assert_eq!(echoed(&mut ld), b"h\xc3\xa9\x08 \x08");
    feed(&mut ld, b"\r");
    assert_eq!(read(&mut ld, 64), b"h\n");

    // Without IUTF8 only the last byte goes.
    let mut ld = LineDiscipline::default();
    feed(&mut ld, "hé\x7f\r".as_bytes());
    assert_eq!(read(&mut ld, 64), b"h\xc3\n");
}

#[test]
fn iutf8_never_erases_part_of_a_character() {
    let mut ld = ldisc_with(|t| t.c_iflag |= IUTF8);
    feed(&mut ld, b"\xa9\xa9\x7f\r");
    assert_eq!(read(&mut ld, 64), b"\xa9\xa9\n");
}

#[test]
fn erasing_a_tab_backs_up_to_the_tab_stop() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"ab\t\x7f");
    assert_eq!(echoed(&mut ld), b"ab\t\x08\x08\x08\x08\x08\x08");

    // The prompt's width counts: input began in column 2.
    let mut ld = LineDiscipline::default();
    assert_eq!(output(&mut ld, b"$ "), b"$ ");
    feed(&mut ld, b"\t\x7f");
    assert_eq!(echoed(&mut ld), b"\t\x08\x08\x08\x08\x08\x08");

    // After an earlier tab only the characters since it count.
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"a\tb\t\x7f");
    assert_eq!(echoed(&mut ld), b"a\tb\t\x08\x08\x08\x08\x08\x08\x08");
}

#[test]
fn echoprt_prints_erased_characters_between_slashes() {
    let mut ld = ldisc_with(|t| t.c_lflag = ICANON | ECHO | ECHOPRT | IEXTEN | ISIG);
    feed(&mut ld, b"abc\x7f\x7fd\r");
    assert_eq!(echoed(&mut ld), b"abc\\cb/d\r\n");
    assert_eq!(read(&mut ld, 64), b"ad\n");
}

#[test]
fn eof_at_line_start_reads_as_zero_bytes() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"\x04");
    assert!(ld.can_read());
    assert_eq!(ld.input_available(), 0);
    assert_eq!(read(&mut ld, 64), b"");
    assert!(!ld.can_read());
    assert!(echoed(&mut ld).is_empty());
}

#[test]
fn eof_mid_line_pushes_the_line_without_the_eof_char() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"ab\x04");
    assert!(ld.can_read());
    assert_eq!(echoed(&mut ld), b"ab");
    assert_eq!(read(&mut ld, 64), b"ab");
    assert!(!ld.can_read());

    // A second ^D then is a real end of file.
    feed(&mut ld, b"cd\x04\x04");
    assert_eq!(read(&mut ld, 64), b"cd");
    assert!(ld.can_read());
    assert_eq!(read(&mut ld, 64), b"");
    assert!(!ld.can_read());
}

#[test]
fn a_read_that_fills_up_to_eof_consumes_the_eof_mark() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"abc\x04");
    assert_eq!(read(&mut ld, 3), b"abc");
    assert!(!ld.can_read(), "no spurious end of file");

    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"abc\x04");
    assert_eq!(read(&mut ld, 2), b"ab");
    assert_eq!(read(&mut ld, 2), b"c");
    assert!(!ld.can_read());
}

#[test]
fn eol_and_eol2_end_lines_and_are_kept() {
    let mut ld = ldisc_with(|t| {
        t.c_cc[VEOL] = b';';
        t.c_cc[VEOL2] = b'|';
    });
    feed(&mut ld, b"ab;cd|");
    assert_eq!(echoed(&mut ld), b"ab;cd|");
    assert_eq!(read(&mut ld, 64), b"ab;");
    assert_eq!(read(&mut ld, 64), b"cd|");

    let mut ld = ldisc_with(|t| {
        t.c_cc[VEOL2] = b'|';
        t.c_lflag &= !IEXTEN;
    });
    feed(&mut ld, b"cd|");
    assert!(!ld.can_read());
}

#[test]
fn nul_never_matches_a_disabled_control_character() {
    // VEOL and VEOL2 are 0 (disabled) by default.
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"a\0");
    assert!(!ld.can_read());
    assert_eq!(echoed(&mut ld), b"a^@");
    feed(&mut ld, b"\r");
    assert_eq!(read(&mut ld, 64), b"a\0\n");

    let mut ld = ldisc_with(|t| t.c_cc[VINTR] = POSIX_VDISABLE);
    assert!(feed(&mut ld, b"\x03\0").is_empty());
}

#[test]
fn lnext_quotes_the_next_character() {
    let mut ld = LineDiscipline::default();
    assert!(feed(&mut ld, b"\x16\x03\x16\x7f\r").is_empty());
    assert_eq!(echoed(&mut ld), b"^\x08^C^\x08^?\r\n");
    assert_eq!(read(&mut ld, 64), b"\x03\x7f\n");

    // A quoted CR skips ICRNL, so it does not end the line.
    feed(&mut ld, b"\x16\r");
    assert!(!ld.can_read());
    feed(&mut ld, b"\r");
    assert_eq!(read(&mut ld, 64), b"\r\n");
}

#[test]
fn reprint_redraws_the_pending_line() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"ab\x12");
    assert_eq!(echoed(&mut ld), b"ab^R\r\nab");
    feed(&mut ld, b"\r");
    assert_eq!(read(&mut ld, 64), b"ab\n");
}

// ---- input mapping -------------------------------------------------------------------------

#[test]
fn cr_and_nl_mapping() {
    let mut ld = ldisc_with(|t| t.c_iflag |= IGNCR);
    feed(&mut ld, b"a\rb\n");
    assert_eq!(read(&mut ld, 64), b"ab\n");

    // INLCR turns NL into a CR, which is not a line end.
    let mut ld = ldisc_with(|t| t.c_iflag |= INLCR);
    feed(&mut ld, b"a\n");
    assert!(!ld.can_read());
    assert_eq!(echoed(&mut ld), b"a^M");
    feed(&mut ld, b"\r");
    assert_eq!(read(&mut ld, 64), b"a\r\n");

    let mut ld = ldisc_with(|t| t.c_iflag &= !ICRNL);
    feed(&mut ld, b"a\r");
    assert!(!ld.can_read());
}

#[test]
fn istrip_and_iuclc() {
    let mut ld = ldisc_with(|t| {
        t.c_iflag |= ISTRIP | IUCLC;
        t.c_lflag &= !ICANON;
    });
    feed(&mut ld, b"\xe1Q");
    assert_eq!(read(&mut ld, 64), b"aq");

    // IUCLC only acts together with IEXTEN.
    let mut ld = ldisc_with(|t| {
        t.c_iflag |= IUCLC;
        t.c_lflag &= !(ICANON | IEXTEN);
    });
    feed(&mut ld, b"Q");
    assert_eq!(read(&mut ld, 64), b"Q");
}

#[test]
fn parmrk_doubles_0xff() {
    let mut ld = ldisc_with(|t| {
        t.c_iflag |= PARMRK;
        t.c_lflag &= !(ICANON | ECHO);
    });
    feed(&mut ld, b"\xff");
    assert_eq!(read(&mut ld, 64), b"\xff\xff");
}

// ---- non-canonical mode --------------------------------------------------------------------

#[test]
fn raw_bytes_are_readable_at_once_without_editing() {
    let mut ld = raw(1, 0);
    feed(&mut ld, b"\x7f\x15\x04\x17");
    assert!(ld.can_read());
    assert_eq!(ld.input_available(), 4);
    assert_eq!(read(&mut ld, 2), b"\x7f\x15");
    assert_eq!(read(&mut ld, 64), b"\x04\x17");
    assert!(echoed(&mut ld).is_empty());
}

#[test]
fn vmin_governs_poll_readiness_and_read_wait() {
    let mut ld = raw(3, 0);
    assert_eq!(ld.read_wait(), ReadWait::Count { min: 3 });
    feed(&mut ld, b"ab");
    assert!(ld.can_read());
    assert!(!ld.poll_readable());
    feed(&mut ld, b"c");
    assert!(ld.poll_readable());
    assert_eq!(read(&mut ld, 64), b"abc");

    let mut ld = raw(3, 5);
    assert_eq!(
        ld.read_wait(),
        ReadWait::InterByte {
            min: 3,
            deciseconds: 5
        }
    );
    feed(&mut ld, b"a");
    assert!(
        ld.poll_readable(),
        "with VTIME set one byte makes poll ready"
    );

    assert_eq!(raw(0, 0).read_wait(), ReadWait::Poll);
    assert_eq!(raw(0, 7).read_wait(), ReadWait::Timeout { deciseconds: 7 });
    assert_eq!(LineDiscipline::default().read_wait(), ReadWait::Line);
}

#[test]
fn noncanonical_echo_shows_a_typed_lf_as_caret_j() {
    let mut ld = ldisc_with(|t| t.c_lflag &= !ICANON);
    feed(&mut ld, b"\n\r\x7f\t");
    // LF is not special without ICANON/INLCR, so ECHOCTL shows it; CR goes through ICRNL.
    assert_eq!(echoed(&mut ld), b"^J\r\n^?\t");
    assert_eq!(read(&mut ld, 64), b"\n\n\x7f\t");
}

// ---- echo flags ----------------------------------------------------------------------------

#[test]
fn echonl_echoes_newlines_only() {
    let mut ld = ldisc_with(|t| t.c_lflag = (t.c_lflag & !ECHO) | ECHONL);
    feed(&mut ld, b"secret\r");
    assert_eq!(echoed(&mut ld), b"\r\n");
    assert_eq!(read(&mut ld, 64), b"secret\n");
}

#[test]
fn echo_without_opost_is_unprocessed() {
    let mut ld = ldisc_with(|t| t.c_oflag &= !OPOST);
    feed(&mut ld, b"a\r");
    assert_eq!(echoed(&mut ld), b"a\n");
}

// ---- signals and flow control --------------------------------------------------------------

#[test]
fn signal_characters_report_signals_and_flush_input() {
    let mut ld = LineDiscipline::default();
    assert_eq!(feed(&mut ld, b"ab\x03"), [TtySignal::Sigint]);
    assert_eq!(echoed(&mut ld), b"^C");
    feed(&mut ld, b"\r");
    assert_eq!(read(&mut ld, 64), b"\n");

    assert_eq!(
        feed(&mut ld, b"\x1c\x1a"),
        [TtySignal::Sigquit, TtySignal::Sigtstp]
    );
    assert_eq!(
        [TtySignal::Sigint, TtySignal::Sigquit, TtySignal::Sigtstp].map(TtySignal::number),
        [2, 3, 20]
    );
}

#[test]
fn noflsh_keeps_input_across_signals() {
    let mut ld = ldisc_with(|t| t.c_lflag |= NOFLSH);
    assert_eq!(feed(&mut ld, b"ab\x03\r"), [TtySignal::Sigint]);
    assert_eq!(echoed(&mut ld), b"ab^C\r\n");
    assert_eq!(read(&mut ld, 64), b"ab\n");
}

#[test]
fn without_isig_signal_characters_are_data() {
    let mut ld = ldisc_with(|t| t.c_lflag &= !ISIG);
    assert!(feed(&mut ld, b"\x03\x1a\r").is_empty());
    assert_eq!(read(&mut ld, 64), b"\x03\x1a\n");
}

#[test]
fn ixon_stops_and_starts_output() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"\x13");
    assert!(ld.output_stopped());
    feed(&mut ld, b"x");
    assert!(echoed(&mut ld).is_empty(), "echo is held while stopped");
    assert!(ld.has_echo());
    feed(&mut ld, b"\x11");
    assert!(!ld.output_stopped());
    assert_eq!(echoed(&mut ld), b"x");
    feed(&mut ld, b"\r");
    assert_eq!(read(&mut ld, 64), b"x\n", "^S/^Q are not input");

    // Without IXANY other characters do not restart; a signal character does.
    feed(&mut ld, b"\x13y");
    assert!(ld.output_stopped());
    feed(&mut ld, b"\x03");
    assert!(!ld.output_stopped());

    let mut ld = ldisc_with(|t| t.c_iflag |= IXANY);
    feed(&mut ld, b"\x13y");
    assert!(!ld.output_stopped());

    let mut ld = ldisc_with(|t| t.c_iflag &= !IXON);
    feed(&mut ld, b"\x13\r");
    assert!(!ld.output_stopped());
    assert_eq!(read(&mut ld, 64), b"\x13\n");
}

#[test]
fn clearing_ixon_restarts_output() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"\x13");
    let mut t = ld.termios();
    t.c_iflag &= !IXON;
    ld.set_termios(t, TermiosAction::Now);
    assert!(!ld.output_stopped());
}

#[test]
fn tcxonc() {
    let mut ld = LineDiscipline::default();
    assert_eq!(ld.flow_control(TCOOFF), Ok(None));
    assert!(ld.output_stopped());
    feed(&mut ld, b"\x11");
    assert!(ld.output_stopped(), "VSTART does not undo TCOOFF");
    assert_eq!(ld.flow_control(TCOON), Ok(None));
    assert!(!ld.output_stopped());
    assert_eq!(ld.flow_control(TCIOFF), Ok(Some(0x13)));
    assert_eq!(ld.flow_control(TCION), Ok(Some(0x11)));
    assert_eq!(ld.flow_control(9), Err(Errno::EINVAL));
    let mut ld = ldisc_with(|t| t.c_cc[VSTOP] = POSIX_VDISABLE);
    assert_eq!(ld.flow_control(TCIOFF), Ok(None));
}

// ---- output processing ---------------------------------------------------------------------

#[test]
fn onlcr_and_friends() {
    let mut ld = LineDiscipline::default();
    assert_eq!(output(&mut ld, b"a\nb"), b"a\r\nb");

    let mut ld = ldisc_with(|t| t.c_oflag = OPOST | OCRNL);
    assert_eq!(output(&mut ld, b"a\rb"), b"a\nb");

    let mut ld = ldisc_with(|t| t.c_oflag = OPOST | ONOCR);
    assert_eq!(output(&mut ld, b"\rab\r\r"), b"ab\r");

    let mut ld = ldisc_with(|t| t.c_oflag = OPOST | ONLRET | ONOCR);
    assert_eq!(output(&mut ld, b"ab\n\r"), b"ab\n");

    let mut ld = ldisc_with(|t| t.c_oflag = ONLCR);
    assert_eq!(output(&mut ld, b"a\n"), b"a\n", "nothing without OPOST");
}

#[test]
fn tab_expansion_and_olcuc() {
    let mut ld = ldisc_with(|t| t.c_oflag = OPOST | XTABS);
    assert_eq!(output(&mut ld, b"ab\tc\t"), b"ab      c       ");

    let mut ld = ldisc_with(|t| t.c_oflag = OPOST | OLCUC);
    assert_eq!(output(&mut ld, b"abc\x01"), b"ABC\x01");
}

#[test]
fn pending_echo_goes_out_before_written_data() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"x");
    assert_eq!(output(&mut ld, b"y\n"), b"xy\r\n");
    assert!(!ld.has_echo());
}

// ---- buffer limits -------------------------------------------------------------------------

#[test]
fn a_full_canonical_buffer_takes_only_line_ends() {
    let mut ld = LineDiscipline::default();
    let mut echo = Vec::new();
    for _ in 0..5000 {
        feed(&mut ld, b"a");
        echo.extend(echoed(&mut ld));
    }
    assert_eq!(
        echo.iter().filter(|&&b| b == b'a').count(),
        N_TTY_BUF_SIZE - 1
    );
    assert_eq!(
        echo.iter().filter(|&&b| b == 0x07).count(),
        5000 - (N_TTY_BUF_SIZE - 1)
    );
    assert!(!ld.can_read());

    // Editing still works, and the line can always be finished.
    feed(&mut ld, b"\x7fbc\r");
    let line = read(&mut ld, 8192);
    assert_eq!(line.len(), N_TTY_BUF_SIZE);
    assert_eq!(&line[N_TTY_BUF_SIZE - 3..], b"ab\n");
}

#[test]
fn a_full_raw_buffer_drops_input() {
    let mut ld = raw(1, 0);
    feed(&mut ld, &[b'z'; 5000]);
    assert_eq!(ld.input_available(), N_TTY_BUF_SIZE - 1);
    assert_eq!(read(&mut ld, 8192).len(), N_TTY_BUF_SIZE - 1);
    feed(&mut ld, b"q");
    assert_eq!(read(&mut ld, 8), b"q");
}

// ---- settings ------------------------------------------------------------------------------

#[test]
fn leaving_canonical_mode_releases_the_partial_line() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"abc");
    let mut t = ld.termios();
    t.c_lflag &= !ICANON;
    ld.set_termios(t, TermiosAction::Now);
    assert!(ld.can_read());
    assert_eq!(read(&mut ld, 64), b"abc");
}

#[test]
fn entering_canonical_mode_turns_pending_bytes_into_a_line() {
    let mut ld = raw(1, 0);
    feed(&mut ld, b"xy");
    ld.set_termios(TTY_STD_TERMIOS, TermiosAction::Now);
    assert!(ld.can_read());
    assert_eq!(read(&mut ld, 64), b"xy");
    assert!(!ld.can_read());
}

#[test]
fn tcsetsf_discards_input() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"abc\rdef");
    ld.set_termios(TTY_STD_TERMIOS, TermiosAction::Flush);
    assert!(!ld.can_read());
    feed(&mut ld, b"g\r");
    assert_eq!(read(&mut ld, 64), b"g\n");

    assert_eq!(TermiosAction::from_ioctl(TCSETS), Some(TermiosAction::Now));
    assert_eq!(
        TermiosAction::from_ioctl(TCSETSW2),
        Some(TermiosAction::Drain)
    );
    assert_eq!(
        TermiosAction::from_ioctl(TCSETSF),
        Some(TermiosAction::Flush)
    );
    assert_eq!(TermiosAction::from_ioctl(TCGETS), None);
}

#[test]
fn tcflush_selects_queues() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"ab\r");
    assert_eq!(ld.flush(TCOFLUSH), Ok(()));
    assert!(!ld.has_echo());
    assert!(ld.can_read());
    assert_eq!(ld.flush(TCIOFLUSH), Ok(()));
    assert!(!ld.can_read());
    assert_eq!(ld.flush(3), Err(Errno::EINVAL));
}

#[test]
fn fionread_counts_complete_lines_without_eof_marks() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"ab\r\x04cd");
    assert_eq!(ld.input_available(), 3);
    let mut t = ld.termios();
    t.c_lflag &= !ICANON;
    ld.set_termios(t, TermiosAction::Now);
    // In raw mode the EOF mark is an ordinary NUL byte, as in Linux.
    assert_eq!(ld.input_available(), 6);
}

#[test]
fn winsize_reports_changes() {
    let mut ld = LineDiscipline::default();
    let ws = WinSize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    assert!(ld.set_winsize(ws));
    assert!(!ld.set_winsize(ws));
    assert_eq!(ld.winsize(), ws);
}

// ---- robustness ----------------------------------------------------------------------------

/// Random bytes, settings and reads: nothing may panic and the counts must stay in bounds.
#[test]
fn random_input_never_breaks_invariants() {
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut ld = LineDiscipline::default();
    let mut sink = Vec::new();
    for round in 0..200_000u32 {
        let r = next();
        if round % 5000 == 0 {
            let mut t = TTY_STD_TERMIOS;
            t.c_iflag = (r as u32) & 0x7FFF;
            t.c_oflag = ((r >> 16) as u32) & 0xFFFF;
            t.c_lflag = ((r >> 32) as u32) & 0xFFFF;
            for (i, cc) in t.c_cc.iter_mut().enumerate() {
                // Small values so that control characters collide with typed bytes.
                *cc = ((r >> (i % 8 * 8)) as u8) & 0x1F;
            }
            ld.set_termios(t, TermiosAction::Now);
        }
        match r % 8 {
            0 => {
                let mut buf = vec![0; (r >> 8) as usize % 5000];
                let n = ld.read(&mut buf);
                assert!(n <= buf.len());
            }
            1 => ld.flush_echoes(&mut |b| sink.push(b)),
            2 => ld.process_output(&[(r >> 8) as u8, (r >> 16) as u8], &mut |b| sink.push(b)),
            _ => {
                ld.receive((r >> 8) as u8);
            }
        }
        assert!(ld.input_available() <= N_TTY_BUF_SIZE);
        sink.clear();
    }
}
