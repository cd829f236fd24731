"""What anyone verifying one of our Open Badges reads: the issuer's profile, its public
keys (a JWK Set; retired keys stay, so old badges verify) and a credential's status."""

from flask import abort
from flask import jsonify

from lms.extensions import db
from lms.models import Certification
from lms.public import bp
from lms.queries import open_badges


def _public(response):
    # Verifiers run in browsers (wallets, validators): let any origin read it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/.well-known/jwks.json")
def jwks():
    return _public(jsonify(open_badges.key_set()))


@bp.route("/badges/issuer")
def badge_issuer():
    return _public(jsonify(open_badges.issuer()))


@bp.route("/badges/status/<int:certification_id>")
def badge_status(certification_id: int):
    cert = db.session.get(Certification, certification_id)
    if cert is None:
        abort(404)
    response = _public(jsonify(open_badges.revocation_list(cert)))
    response.headers["Cache-Control"] = "no-cache"  # a revocation must show at once
    return response
