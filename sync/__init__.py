"""Both ends of a ballot's journey: the station's outbox, the bundle on the wire, the office.

`bundle` is pure (no Flask, no database); `outbox` is the station's half; `office`
is the central office's app.
"""
