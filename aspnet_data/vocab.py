"""The fixed vocabularies of ASPnet: codes stored in the database, in display order.

Labels in English, French and Spanish live in the interface catalogs (ui/locales), keyed
by ``level.<code>``, ``theme.<code>``, ``status.<code>``, ``ownership.<code>``.
"""

from __future__ import annotations

LEVELS: tuple[str, ...] = ("pre_primary", "primary", "secondary", "tvet", "teacher_training")
THEMES: tuple[str, ...] = ("esd", "gced", "heritage")
STATUSES: tuple[str, ...] = ("candidate", "member", "withdrawn")
OWNERSHIP: tuple[str, ...] = ("public", "private")
REGIONS: tuple[str, ...] = ("AFR", "ARB", "APA", "EUR", "LAC")
ROLES: tuple[str, ...] = ("admin", "coordinator", "analyst", "focal_point")
# The roles an admin gives on the users page; focal points come by invitation (focal_points.py).
STAFF_ROLES: tuple[str, ...] = ROLES[:3]
APPLICATION_STAGES: tuple[str, ...] = (
    "draft",
    "submitted",
    "returned",
    "recommended",
    "declined_coordinator",
    "approved",
    "declined_unesco",
    "withdrawn",
)
PROJECT_STATUSES: tuple[str, ...] = ("open", "active", "closed")
LANGUAGES: tuple[str, ...] = ("en", "fr", "es")  # the interface languages

# ASPnet was founded in 1953.
FIRST_YEAR = 1953
