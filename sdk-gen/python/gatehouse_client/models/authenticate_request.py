from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AuthenticateRequest")


@_attrs_define
class AuthenticateRequest:
    """One request shape for every grant; which fields are needed depends on `grant_type`.

    Attributes:
        client_id (str):
        grant_type (str): password | urn:gatehouse:grant-type:magic-auth:code | urn:gatehouse:grant-type:email-
            verification:code |
            urn:gatehouse:grant-type:mfa-totp | urn:gatehouse:grant-type:mfa-recovery-code |
            urn:gatehouse:grant-type:organization-selection | refresh_token | authorization_code (a hosted sign-in's code,
            or an SSO login's code from /sso/authorize)
            (`urn:workos:oauth:grant-type:` is accepted for `urn:gatehouse:grant-type:`).
        client_secret (None | str | Unset): An API key, for callers that cannot send the Authorization header.
        email (None | str | Unset):
        password (None | str | Unset):
        code (None | str | Unset):
        pending_authentication_token (None | str | Unset):
        authentication_challenge_id (None | str | Unset):
        organization_id (None | str | Unset):
        refresh_token (None | str | Unset):
        invitation_token (None | str | Unset): The token of an emailed invitation: the grant's user accepts it (proving
            the mailbox) and
            the session starts in the invited organization.
        code_verifier (None | str | Unset): PKCE (`authorization_code` of an SSO or social sign-in): the verifier of the
            `code_challenge` that
            `/sso/authorize` was given.
        ip_address (None | str | Unset):
        user_agent (None | str | Unset):
    """

    client_id: str
    grant_type: str
    client_secret: None | str | Unset = UNSET
    email: None | str | Unset = UNSET
    password: None | str | Unset = UNSET
    code: None | str | Unset = UNSET
    pending_authentication_token: None | str | Unset = UNSET
    authentication_challenge_id: None | str | Unset = UNSET
    organization_id: None | str | Unset = UNSET
    refresh_token: None | str | Unset = UNSET
    invitation_token: None | str | Unset = UNSET
    code_verifier: None | str | Unset = UNSET
    ip_address: None | str | Unset = UNSET
    user_agent: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        client_id = self.client_id

        grant_type = self.grant_type

        client_secret: None | str | Unset
        if isinstance(self.client_secret, Unset):
            client_secret = UNSET
        else:
            client_secret = self.client_secret

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        password: None | str | Unset
        if isinstance(self.password, Unset):
            password = UNSET
        else:
            password = self.password

        code: None | str | Unset
        if isinstance(self.code, Unset):
            code = UNSET
        else:
            code = self.code

        pending_authentication_token: None | str | Unset
        if isinstance(self.pending_authentication_token, Unset):
            pending_authentication_token = UNSET
        else:
            pending_authentication_token = self.pending_authentication_token

        authentication_challenge_id: None | str | Unset
        if isinstance(self.authentication_challenge_id, Unset):
            authentication_challenge_id = UNSET
        else:
            authentication_challenge_id = self.authentication_challenge_id

        organization_id: None | str | Unset
        if isinstance(self.organization_id, Unset):
            organization_id = UNSET
        else:
            organization_id = self.organization_id

        refresh_token: None | str | Unset
        if isinstance(self.refresh_token, Unset):
            refresh_token = UNSET
        else:
            refresh_token = self.refresh_token

        invitation_token: None | str | Unset
        if isinstance(self.invitation_token, Unset):
            invitation_token = UNSET
        else:
            invitation_token = self.invitation_token

        code_verifier: None | str | Unset
        if isinstance(self.code_verifier, Unset):
            code_verifier = UNSET
        else:
            code_verifier = self.code_verifier

        ip_address: None | str | Unset
        if isinstance(self.ip_address, Unset):
            ip_address = UNSET
        else:
            ip_address = self.ip_address

        user_agent: None | str | Unset
        if isinstance(self.user_agent, Unset):
            user_agent = UNSET
        else:
            user_agent = self.user_agent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "client_id": client_id,
                "grant_type": grant_type,
            }
        )
        if client_secret is not UNSET:
            field_dict["client_secret"] = client_secret
        if email is not UNSET:
            field_dict["email"] = email
        if password is not UNSET:
            field_dict["password"] = password
        if code is not UNSET:
            field_dict["code"] = code
        if pending_authentication_token is not UNSET:
            field_dict["pending_authentication_token"] = pending_authentication_token
        if authentication_challenge_id is not UNSET:
            field_dict["authentication_challenge_id"] = authentication_challenge_id
        if organization_id is not UNSET:
            field_dict["organization_id"] = organization_id
        if refresh_token is not UNSET:
            field_dict["refresh_token"] = refresh_token
        if invitation_token is not UNSET:
            field_dict["invitation_token"] = invitation_token
        if code_verifier is not UNSET:
            field_dict["code_verifier"] = code_verifier
        if ip_address is not UNSET:
            field_dict["ip_address"] = ip_address
        if user_agent is not UNSET:
            field_dict["user_agent"] = user_agent

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        client_id = d.pop("client_id")

        grant_type = d.pop("grant_type")

        def _parse_client_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_secret = _parse_client_secret(d.pop("client_secret", UNSET))

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        def _parse_password(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        password = _parse_password(d.pop("password", UNSET))

        def _parse_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        code = _parse_code(d.pop("code", UNSET))

        def _parse_pending_authentication_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pending_authentication_token = _parse_pending_authentication_token(
            d.pop("pending_authentication_token", UNSET)
        )

        def _parse_authentication_challenge_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        authentication_challenge_id = _parse_authentication_challenge_id(
            d.pop("authentication_challenge_id", UNSET)
        )

        def _parse_organization_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        organization_id = _parse_organization_id(d.pop("organization_id", UNSET))

        def _parse_refresh_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        refresh_token = _parse_refresh_token(d.pop("refresh_token", UNSET))

        def _parse_invitation_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        invitation_token = _parse_invitation_token(d.pop("invitation_token", UNSET))

        def _parse_code_verifier(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        code_verifier = _parse_code_verifier(d.pop("code_verifier", UNSET))

        def _parse_ip_address(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ip_address = _parse_ip_address(d.pop("ip_address", UNSET))

        def _parse_user_agent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_agent = _parse_user_agent(d.pop("user_agent", UNSET))

        authenticate_request = cls(
            client_id=client_id,
            grant_type=grant_type,
            client_secret=client_secret,
            email=email,
            password=password,
            code=code,
            pending_authentication_token=pending_authentication_token,
            authentication_challenge_id=authentication_challenge_id,
            organization_id=organization_id,
            refresh_token=refresh_token,
            invitation_token=invitation_token,
            code_verifier=code_verifier,
            ip_address=ip_address,
            user_agent=user_agent,
        )

        authenticate_request.additional_properties = d
        return authenticate_request

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
