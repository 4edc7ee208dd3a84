"""Hostile strings (issue 10): what a hostile maker or caller puts in portal text.

Shared by the server's refusal tests (the same corpus through the API gets 422) and the
TUI's pilot tests (planted directly in the store, then shown on every screen).

Each `Hostile` says what it tries (`attack`), the text, and whether the domain calls it
unsafe (`unsafe`, on one line; `unsafe_multiline` where a value may span lines). The
strings that are NOT unsafe (zero-width joiners, combining stacks, long lines, markup
look-alikes, right-to-left letters) are here because a screen must still show them
without harm: within their widget, literally, and without a stray escape.
"""

from __future__ import annotations

from dataclasses import dataclass

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"  # string terminator


@dataclass(frozen=True)
class Hostile:
    name: str
    attack: str
    value: str
    unsafe: bool = True
    unsafe_multiline: bool = True


CORPUS: tuple[Hostile, ...] = (
    # Screen and cursor ------------------------------------------------------------
    Hostile("clear_screen", "clears the screen, cursor home", f"{ESC}[2J{ESC}[H"),
    Hostile("reset_terminal", "full reset (RIS)", f"{ESC}c"),
    Hostile(
        "cursor_overwrite",
        "moves the cursor to the top left and paints over the reference",
        f"ECS00000001{ESC}[1;1HAPPROVED  HKD 1",
    ),
    Hostile("cursor_up", "moves the cursor five lines up", f"ok{ESC}[5Aover the status"),
    Hostile(
        "save_restore_cursor",
        "saves the cursor, writes elsewhere, restores it",
        f"{ESC}7{ESC}[10;10Hhidden{ESC}8",
    ),
    Hostile("erase_line", "erases the line it is on", f"{ESC}[2K{ESC}[1G"),
    Hostile("hidden_text", "conceals text (SGR 8)", f"{ESC}[8msecret{ESC}[0m"),
    Hostile("colour", "paints text red and never resets", f"{ESC}[38;5;196mred"),
    Hostile("leave_alt_screen", "leaves the alternate screen", f"{ESC}[?1049l"),
    Hostile("hide_cursor", "hides the cursor", f"{ESC}[?25l"),
    Hostile("mouse_off", "turns mouse reporting off", f"{ESC}[?1000l{ESC}[?1006l"),
    Hostile("paste_end", "ends bracketed paste early", f"{ESC}[201~y"),
    Hostile("status_report", "asks the terminal to answer into the input", f"{ESC}[6n{ESC}[c"),
    # Window title, links, clipboard -------------------------------------------------
    Hostile("osc0_title", "retitles the window (OSC 0, BEL)", f"{ESC}]0;Approved by CCO{BEL}"),
    Hostile("osc2_title", "retitles the window (OSC 2, ST)", f"{ESC}]2;pwned{ST}"),
    Hostile(
        "osc8_link",
        "a link whose text hides its target (OSC 8)",
        f"{ESC}]8;;https://evil.example/{ST}hkex.com.hk{ESC}]8;;{ST}",
    ),
    Hostile(
        "osc52_clipboard",
        "writes 'rm -rf ~' into the clipboard (OSC 52)",
        f"{ESC}]52;c;cm0gLXJmIH4K{BEL}",
    ),
    Hostile("osc52_st", "writes the clipboard, ST-terminated", f"{ESC}]52;p;ZWNobyBwd25lZA=={ST}"),
    Hostile("dcs", "a device control string (XTGETTCAP)", f"{ESC}P+q544e{ST}"),
    Hostile("dcs_sixel", "a DCS sixel image", f"{ESC}Pq#0;2;0;0;0#0~~@@vv{ST}"),
    Hostile("c1_csi", "clears the screen with an 8-bit CSI", "\x9b2J\x9bH"),
    Hostile("c1_osc", "retitles with an 8-bit OSC", "\x9d0;pwned\x9c"),
    Hostile("escape_flood", "thousands of half sequences", f"{ESC}[" * 3000),
    # Plain control characters ------------------------------------------------------
    Hostile("nul", "a NUL in the middle", "Acme\x00Ltd"),
    Hostile("bell_backspace", "rings and backspaces over text", f"APPROVED{BEL}\x08\x08\x08\x08"),
    Hostile("carriage_return", "returns to the line start and overwrites", "HKD 1000000\rHKD 1"),
    Hostile("delete", "a DEL character", "abc\x7fdef"),
    Hostile("vertical_tab_form_feed", "VT and FF", "a\x0bb\x0cc"),
    Hostile("line_break", "a line break in a one-line value", "one\ntwo", unsafe_multiline=False),
    Hostile("tab", "a tab in a one-line value", "col\tumn", unsafe_multiline=False),
    # Bidirectional controls ("Trojan Source") -------------------------------------
    Hostile(
        "trojan_source",
        "reorders what a reader sees (RLO, LRI, PDI)",
        "approve\u202e\u2066// reject\u2069\u2066",
    ),
    Hostile("rlo_file_name", "a file name that reads backwards", "invoice\u202efdp.exe"),
    Hostile("isolates", "first-strong and left-to-right isolates", "\u2068\u2066admin\u2069\u2069"),
    Hostile("embeddings", "embeddings and a pop", "\u202bABC\u202c\u202aDEF\u202c"),
    # Lone surrogates ----------------------------------------------------------------
    Hostile("lone_high_surrogate", "a high surrogate alone", "x\ud800y"),
    Hostile("lone_low_surrogate", "a low surrogate alone", "\udfff"),
    # Not unsafe, but must still be shown without harm ------------------------------
    Hostile(
        "zwj_name",
        "zero-width joiners and spaces in a name",
        "Ch\u200dan\u200b Tai\u200c Man\ufeff",
        unsafe=False,
        unsafe_multiline=False,
    ),
    Hostile(
        "zwj_emoji",
        "an emoji joined by ZWJ",
        "\U0001f469\u200d\U0001f469\u200d\U0001f467 family",
        unsafe=False,
        unsafe_multiline=False,
    ),
    Hostile(
        "combining_stack",
        "a letter with 60 combining marks stacked on it",
        "Z" + "\u0336\u0334\u0337" * 20 + "algo",
        unsafe=False,
        unsafe_multiline=False,
    ),
    Hostile(
        "long_line",
        "a 10,000-character line",
        "L" * 10_000,
        unsafe=False,
        unsafe_multiline=False,
    ),
    Hostile(
        "markup",
        "console markup that must show literally",
        "[bold red]URGENT[/] [@click=app.quit]ok[/] [link=https://evil.example]x[/link]",
        unsafe=False,
        unsafe_multiline=False,
    ),
    Hostile(
        "rich_emoji_code",
        "an emoji code that must not turn into a picture",
        ":warning: :smiley:",
        unsafe=False,
        unsafe_multiline=False,
    ),
    Hostile(
        "rtl_letters",
        "right-to-left letters (not overrides)",
        "שלום مرحبا",
        unsafe=False,
        unsafe_multiline=False,
    ),
)

UNSAFE = tuple(item for item in CORPUS if item.unsafe)
SAFE_BUT_ODD = tuple(item for item in CORPUS if not item.unsafe)


def by_name(name: str) -> Hostile:
    for item in CORPUS:
        if item.name == name:
            return item
    raise KeyError(name)
