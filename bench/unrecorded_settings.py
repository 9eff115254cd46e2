"""Production settings without the record of eligibility answers (``ELIGIBILITY_RECORD = False``): bench only.

``make bench`` serves our eligibility endpoint once with these, so the table shows what recording every
answer (audit.EligibilityQuestion) costs. Never a deployment's settings: an answer must be recorded.
"""

from config.settings.production import *  # noqa: F403

ELIGIBILITY_RECORD = False
