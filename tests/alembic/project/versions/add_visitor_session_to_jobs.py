"""The parent revision. Its schema is what `hotidx demo` builds; here it only anchors the chain."""
revision = "add_visitor_session_to_jobs"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
