"""Log-in lockout (django-axes) that locks an attacker, not their victim.

Two counts over the cool-off period (30 minutes):
- per user name AND address (AXES_FAILURE_LIMIT, 5): guessing one person's password. The person keeps logging in
  from their own address while the attacker's is locked;
- per address alone, whatever the user names (AXES_ADDRESS_FAILURE_LIMIT, 20): one address trying many accounts.
  Higher, because a whole office behind one address may mistype a few passwords in a morning.

django-axes (8.x) takes several lockout parameters but compares each count with the same AXES_FAILURE_LIMIT: this
handler gives the address-only count its own limit. The client's address comes from smdq.net.limited_address
(AXES_CLIENT_IP_CALLABLE), which reads X-Forwarded-For only from TRUSTED_PROXIES.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Relies on the order of AXES_LOCKOUT_PARAMETERS: [["username", "ip_address"], "ip_address"]."""

    def get_failures(self, request, credentials=None) -> int:
        per_account, per_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if per_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            # Reported to axes as reaching its one limit: the address is locked for every user name.
            return max(per_account, get_failure_limit(request, credentials))
        return per_account

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful log-in clears that account's failures from that address, not the address's failures on
        other accounts (else an attacker with an account of their own would reset their count at will)."""
        per_account = self.filter_user_attempts(request, credentials)[0]
        count, _ = per_account.delete()
        return count
