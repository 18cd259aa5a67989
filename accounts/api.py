"""API tokens through the API: a new one for an email address and password, my own listed and
revoked, and signing out the one in use. Thin: a serializer, ``accounts.tokens``, a response."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control.request_context import request_user
from accounts import mfa, tokens
from accounts.authentication import TokenAuthentication
from accounts.models import ApiToken
from web.throttling import AnonRateThrottle

BAD_CREDENTIALS = "Unable to log in with provided credentials."


class TokenScheme(KnoxTokenScheme):
    """The schema's name for our knox authentication (drf-spectacular knows knox's own class
    only): ``tokenAuth``, ``Authorization: Token <key>``, as it was before knox."""

    target_class = "accounts.authentication.TokenAuthentication"
    name = "tokenAuth"


class TokenRequestSerializer(serializers.Serializer[None]):
    username = serializers.CharField(write_only=True, help_text="Your email address.")
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    client = serializers.CharField(
        max_length=tokens.CLIENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text='What the token is for, shown in your list of tokens ("Laptop", "Case app on phone"); '
        "without it, named from your client's User-Agent.",
    )
    # The second factor (accounts.mfa.require_code_for_token), checked after the password.
    code = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        default="",
        help_text="For an account with a second factor: the 6-digit code its authenticator app shows, "
        "or one of its recovery codes.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = authenticate(request=self.context["request"], username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(BAD_CREDENTIALS, code="authorization")
        attrs["user"] = user
        return attrs


class IssuedTokenSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField(help_text="Names the token in your list of tokens, to revoke it.")
    token = serializers.CharField(help_text='Send it as "Authorization: Token <token>". Shown only now.')
    client = serializers.CharField()
    expiry = serializers.DateTimeField(help_text="When it stops working: sign in again for a new one.")


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    current = serializers.SerializerMethodField(help_text="Whether this request was made with it.")

    class Meta:
        model = ApiToken
        fields = ["id", "client", "created", "last_used", "expiry", "current"]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        return bool(token == self.context["request"].auth)


class ObtainTokenApi(APIView):
    """Exchange an email address ("username") and password for a new API token, one per client:
    each call issues another, which ends API_TOKEN_TTL_HOURS later. No other credential is read."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = [AnonRateThrottle]

    @extend_schema(request=TokenRequestSerializer, responses=IssuedTokenSerializer)
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        # Then the second factor, for an account that has one (a 400 on "code" when it fails).
        mfa.require_code_for_token(request._request, data.validated_data["user"], data.validated_data["code"])
        token, key = tokens.issue(
            data.validated_data["user"],
            client=data.validated_data["client"],
            user_agent=request.headers.get("User-Agent", ""),
        )
        issued = {"id": token.pk, "token": key, "client": token.client, "expiry": token.expiry}
        return Response(IssuedTokenSerializer(issued).data)


class MyTokensApi(ListAPIView[ApiToken]):
    """My API tokens that still work, newest first (never the tokens themselves)."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return tokens.mine(request_user(self.request))


class MyTokenApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, token_id: int) -> Response:
        """Revoke one of my API tokens: a request with it is refused from now on."""
        tokens.revoke_mine(request_user(request), token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutApi(APIView):
    """Revoke the API token this request is made with (sign out this client)."""

    authentication_classes = (TokenAuthentication,)

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        tokens.revoke_mine(request_user(request), request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
