//! Colours, or none under NO_COLOR: then emphasis is bold and reverse only, and every status is
//! spelled out, so nothing depends on colour.

use ratatui::style::{Color, Modifier, Style};

use crate::migration::{IndexState, OverallStatus};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Indexed(75)).add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Indexed(245))
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn good(&self) -> Style {
        self.fg(Color::Indexed(71))
    }

    pub fn warn(&self) -> Style {
        self.fg(Color::Indexed(178)).add_modifier(Modifier::BOLD)
    }

    pub fn bad(&self) -> Style {
        self.fg(Color::Indexed(167)).add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::Indexed(237))
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    pub fn focused_border(&self) -> Style {
        self.fg(Color::Indexed(75)).add_modifier(Modifier::BOLD)
    }

    pub fn overall(&self, status: OverallStatus) -> Style {
        match status {
            OverallStatus::Applied => self.good().add_modifier(Modifier::BOLD),
            OverallStatus::Pending | OverallStatus::Unversioned => self.warn(),
            OverallStatus::Partial | OverallStatus::Drift | OverallStatus::UnknownRevision => {
                self.bad()
            }
        }
    }

    pub fn index_state(&self, state: IndexState) -> Style {
        match state {
            IndexState::Present | IndexState::Covered => self.good(),
            IndexState::Missing => self.warn(),
            IndexState::Invalid | IndexState::DifferentDefinition => self.bad(),
        }
    }
}
