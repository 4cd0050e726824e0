//! One module per pane; each draws from the app state and nothing else.

pub mod explain;
pub mod footer;
pub mod header;
pub mod indexes;
pub mod migration;
pub mod plan;
pub mod popup;
pub mod tables;

use ratatui::widgets::{Block, BorderType, Borders};

use super::theme::Theme;

/// A pane's frame; the focused one stands out (by weight too, for NO_COLOR).
pub fn pane_block<'a>(title: String, focused: bool, theme: &Theme) -> Block<'a> {
    let block = Block::default().borders(Borders::ALL).title(title);
    if focused {
        block
            .border_type(BorderType::Thick)
            .border_style(theme.focused_border())
    } else {
        block.border_style(theme.dim())
    }
}

/// First row to draw so that `selected` is visible in `height` rows: only these are built.
pub fn window(selected: usize, len: usize, height: usize) -> std::ops::Range<usize> {
    if height == 0 || len == 0 {
        return 0..0;
    }
    let start = selected
        .saturating_sub(height - 1)
        .min(len.saturating_sub(height));
    start..(start + height).min(len)
}

/// `text` cut to `width` characters with `…`.
pub fn elide(text: &str, width: usize) -> String {
    crate::cli::text_table::elide(text, width)
}
