"""Help desk: tickets (more and more urgent ones from unhealthy accounts) and NPS responses."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from engagement.generate import catalog as cat
from engagement.generate.archetypes import PROFILES
from engagement.generate.arrays import arrow_take, prefixed_ids, sample_categorical, timestamps
from engagement.generate.config import US_PER_DAY, US_PER_HOUR, GeneratorConfig
from engagement.generate.population import Accounts, Users

NO_RESPONSE = np.iinfo(np.int64).max
NPS_NEUTRAL = 7.5
NPS_WEEKLY_PROB = 0.012

_FIRST_RESPONSE_MEDIAN_H = np.array([8.0, 4.0, 1.5, 0.5])
_SOLVE_MEDIAN_D = np.array([3.0, 2.0, 1.2, 0.8])


class SupportDesk:
    """Weekly ticket and NPS generation; keeps what the churn model needs (open urgent tickets, NPS)."""

    def __init__(self, cfg: GeneratorConfig, accounts: Accounts, users: Users) -> None:
        self.cfg = cfg
        self.accounts = accounts
        self.users = users
        self.nps_ewma = np.full(accounts.n, NPS_NEUTRAL)
        self._tickets: dict[str, list[np.ndarray]] = {}
        self._nps: dict[str, list[np.ndarray]] = {}
        self._urgent_account = np.zeros(0, dtype=np.int64)
        self._urgent_created = np.zeros(0, dtype=np.int64)
        self._urgent_solved = np.zeros(0, dtype=np.int64)

    @staticmethod
    def _add(log: dict[str, list[np.ndarray]], **cols: np.ndarray) -> None:
        for name, values in cols.items():
            log.setdefault(name, []).append(np.asarray(values))

    def step(
        self, week: int, health: np.ndarray, joined: np.ndarray, live: np.ndarray, rng: np.random.Generator
    ) -> None:
        """Tickets and NPS responses of week ``week`` (``live``: accounts with a running subscription)."""
        lo = self.cfg.start_us + week * 7 * US_PER_DAY
        acc = self.accounts

        # tickets
        rate = 0.045 * (1.0 + joined) ** 0.6 * (0.4 + 2.6 * (1.0 - health) ** 1.5)
        n_t = np.where(live & (joined > 0), rng.poisson(rate), 0)
        t_acc = np.repeat(np.arange(acc.n), n_t)
        if t_acc.size:
            n = t_acc.size
            h = health[t_acc]
            requester = acc.first_user[t_acc] + np.floor(rng.random(n) * joined[t_acc]).astype(np.int64)
            created = lo + (rng.random(n) * 7 * US_PER_DAY).astype(np.int64)
            created = np.maximum(created, self.users.created_us[requester] + US_PER_HOUR)
            p_urgent = 0.03 + 0.30 * (1.0 - h) ** 2
            u = rng.random(n)
            priority = np.where(
                u < p_urgent,
                cat.URGENT,
                np.where(u < p_urgent + 0.15, 2, np.where(u < p_urgent + 0.40, 0, 1)),
            )
            first = created + (
                rng.lognormal(np.log(_FIRST_RESPONSE_MEDIAN_H[priority]), 0.8) * US_PER_HOUR
            ).astype(np.int64)
            first = np.where(rng.random(n) < 0.03, NO_RESPONSE, first)
            solve_days = rng.lognormal(np.log(_SOLVE_MEDIAN_D[priority]), 0.9) * (1.0 + 2.0 * (1.0 - h))
            solved = np.maximum(
                created + (solve_days * US_PER_DAY).astype(np.int64),
                np.where(first == NO_RESPONSE, created, first) + US_PER_HOUR,
            )
            solved = np.where(rng.random(n) < 0.06, NO_RESPONSE, solved)
            csat_mean = 2.0 + 3.0 * h - 0.25 * np.log1p(solve_days)
            csat = np.clip(np.round(rng.normal(csat_mean, 0.8)), 1, 5).astype(np.int64)
            csat = np.where(rng.random(n) < 0.45, csat, -1)
            self._add(
                self._tickets,
                account=t_acc,
                requester=requester,
                created=created,
                first=first,
                solved=solved,
                priority=priority,
                csat=csat,
                channel=sample_categorical(rng, cat.TICKET_CHANNEL_PROBS, n),
                category=sample_categorical(rng, cat.TICKET_CATEGORY_PROBS, n),
            )
            urgent = priority == cat.URGENT
            self._urgent_account = np.concatenate([self._urgent_account, t_acc[urgent]])
            self._urgent_created = np.concatenate([self._urgent_created, created[urgent]])
            self._urgent_solved = np.concatenate([self._urgent_solved, solved[urgent]])

        # NPS: a small share of live users answer each week; scores follow account health
        users = self.users
        has_acc = users.account >= 0
        u_health = np.where(has_acc, health[np.maximum(users.account, 0)], 0.5)
        u_live = np.where(has_acc, live[np.maximum(users.account, 0)], True)
        eligible = (users.created_us < lo) & u_live
        prob = np.where(has_acc, NPS_WEEKLY_PROB, NPS_WEEKLY_PROB / 3)
        resp = np.flatnonzero(eligible & (rng.random(users.n) < prob))
        if resp.size:
            tilt = np.array([p.nps_tilt for p in PROFILES])[users.archetype[resp]]
            score = np.clip(np.round(rng.normal(1.5 + 8.5 * u_health[resp] + tilt, 1.5)), 0, 10).astype(
                np.int64
            )
            at = lo + (rng.random(resp.size) * 7 * US_PER_DAY).astype(np.int64)
            self._add(self._nps, user=resp, submitted=at, score=score)
            r_acc = users.account[resp]
            ok = r_acc >= 0
            total = np.bincount(r_acc[ok], weights=score[ok], minlength=acc.n)
            count = np.bincount(r_acc[ok], minlength=acc.n)
            seen = count > 0
            self.nps_ewma[seen] = 0.6 * self.nps_ewma[seen] + 0.4 * total[seen] / count[seen]

    def urgent_open(self, at_us: int) -> np.ndarray:
        """Per account: urgent tickets created before ``at_us`` and not solved by then."""
        open_ = (self._urgent_created <= at_us) & (self._urgent_solved > at_us)
        return np.bincount(self._urgent_account[open_], minlength=self.accounts.n)

    def _col(self, log: dict[str, list[np.ndarray]], name: str) -> np.ndarray:
        parts = log.get(name, [])
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    def tables(self, rng: np.random.Generator) -> tuple[dict[str, pa.Table], np.ndarray, np.ndarray]:
        """``support/tickets`` and ``support/nps_responses`` as of the last day.

        Also returns the requester user index of every ticket row and respondent of every NPS row
        (for the dirty-data step).
        """
        end = self.cfg.end_us
        created = self._col(self._tickets, "created")
        keep = np.flatnonzero(created < end)
        keep = keep[np.argsort(created[keep], kind="stable")]
        created = created[keep]
        first = self._col(self._tickets, "first")[keep]
        solved = self._col(self._tickets, "solved")[keep]
        requester = self._col(self._tickets, "requester")[keep]
        csat = self._col(self._tickets, "csat")[keep]
        n = keep.size
        first_ok = first < end
        solved_ok = solved < end
        closed = solved_ok & (solved < end - 4 * US_PER_DAY) & (rng.random(n) < 0.8)
        status = np.where(
            solved_ok, np.where(closed, 4, 3), np.where(first_ok, np.where(rng.random(n) < 0.6, 1, 2), 0)
        )
        csat = np.where(solved_ok, csat, -1)
        ticket_no = 100_000 + np.arange(n) * 3 + rng.integers(0, 3, size=n)
        tickets = pa.table(
            {
                "ticket_id": pa.array(ticket_no.astype(str).astype(object), type=pa.string()),
                "requester_email": pa.array(self.users.email[requester], type=pa.string()),
                "created_at": timestamps(created),
                "first_response_at": timestamps(first, ~first_ok),
                "solved_at": timestamps(solved, ~solved_ok),
                "status": arrow_take(cat.TICKET_STATUSES, status),
                "priority": arrow_take(cat.TICKET_PRIORITIES, self._col(self._tickets, "priority")[keep]),
                "channel": arrow_take(cat.TICKET_CHANNELS, self._col(self._tickets, "channel")[keep]),
                "category": arrow_take(cat.TICKET_CATEGORIES, self._col(self._tickets, "category")[keep]),
                "csat_score": pa.array(np.maximum(csat, 0).astype(np.int32), mask=csat < 0, type=pa.int32()),
            }
        )

        submitted = self._col(self._nps, "submitted")
        keep_n = np.flatnonzero(submitted < end)
        keep_n = keep_n[np.argsort(submitted[keep_n], kind="stable")]
        respondent = self._col(self._nps, "user")[keep_n]
        nps = pa.table(
            {
                "response_id": pa.array(prefixed_ids(rng, keep_n.size, "nps_", 12), type=pa.string()),
                "respondent_email": pa.array(self.users.email[respondent], type=pa.string()),
                "submitted_at": timestamps(submitted[keep_n]),
                "score": pa.array(self._col(self._nps, "score")[keep_n].astype(np.int32), type=pa.int32()),
            }
        )
        return {"tickets": tickets, "nps_responses": nps}, requester, respondent
