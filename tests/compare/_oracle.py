"""A brute-force (O(n^2)) statement of MatchIt's greedy nearest-neighbour rules, for tests.

``matchit_451=True`` adds the two defects of MatchIt 4.5.1's vector code path (the version in
the R used for the golden files), so that the committed MatchIt output can be reproduced and the
order conventions (rounds, largest-first, stable ties, lower side on a tie) confirmed:
``abs`` on an integer (distances truncated towards 0: the caliper is ineffective below 1 and
the lower side always wins within 1; MatchIt issue #163) and, from round 2 on, a check against
the treated patient's own matches that is off by one row (issue #159).
"""

import numpy as np


def oracle(d, t, caliper, ratio, replace, *, matchit_451=False):
    n = len(d)
    dist = (lambda x: abs(int(x))) if matchit_451 else abs
    width = np.inf if caliper is None else caliper * np.std(d, ddof=1)
    tr = np.flatnonzero(t == 1)
    order = tr if replace else tr[np.argsort(-d[tr], kind="stable")]
    srt = np.argsort(d, kind="stable")
    pos = np.empty(n, int)
    pos[srt] = np.arange(n)
    avail = t == 0
    mm = {int(i): [] for i in tr}

    def own(i, u):
        return (u - 1) in mm[i] if matchit_451 else u in mm[i]

    for _ in range(ratio):
        for i in order:
            i = int(i)
            found = []
            for step in (-1, 1):
                k, u = pos[i] + step, None
                while 0 <= k < n:
                    cand = int(srt[k])
                    if t[cand] == 1 or own(i, cand) or not avail[cand]:
                        k += step
                        continue
                    u = cand if dist(d[i] - d[cand]) <= width else None
                    break
                found.append(u)
            lo, hi = found
            if lo is not None and hi is not None:
                k = lo if dist(d[lo] - d[i]) <= dist(d[hi] - d[i]) else hi
            elif lo is not None or hi is not None:
                k = lo if lo is not None else hi
            else:
                continue
            mm[i].append(k)
            if not replace:
                avail[k] = False
    return {(i, s + 1, c) for i, cs in mm.items() for s, c in enumerate(cs)}
