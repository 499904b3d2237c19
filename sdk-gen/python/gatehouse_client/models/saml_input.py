from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SamlInput")


@_attrs_define
class SamlInput:
    """
    Attributes:
        idp_metadata_xml (None | str | Unset): IdP metadata XML, pasted; fills entity id, SSO URL and certificates left
            out.
        idp_metadata_url (None | str | Unset): Fetched once now, same as pasting it.
        idp_entity_id (None | str | Unset):
        idp_sso_url (None | str | Unset):
        idp_certificates (list[str] | None | Unset): PEM or base64 DER; replaces the list.
        sp_entity_id (None | str | Unset): Defaults to this connection's metadata URL.
        allow_idp_initiated (bool | None | Unset):
        sign_requests (bool | None | Unset):
    """

    idp_metadata_xml: None | str | Unset = UNSET
    idp_metadata_url: None | str | Unset = UNSET
    idp_entity_id: None | str | Unset = UNSET
    idp_sso_url: None | str | Unset = UNSET
    idp_certificates: list[str] | None | Unset = UNSET
    sp_entity_id: None | str | Unset = UNSET
    allow_idp_initiated: bool | None | Unset = UNSET
    sign_requests: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        idp_metadata_xml: None | str | Unset
        if isinstance(self.idp_metadata_xml, Unset):
            idp_metadata_xml = UNSET
        else:
            idp_metadata_xml = self.idp_metadata_xml

        idp_metadata_url: None | str | Unset
        if isinstance(self.idp_metadata_url, Unset):
            idp_metadata_url = UNSET
        else:
            idp_metadata_url = self.idp_metadata_url

        idp_entity_id: None | str | Unset
        if isinstance(self.idp_entity_id, Unset):
            idp_entity_id = UNSET
        else:
            idp_entity_id = self.idp_entity_id

        idp_sso_url: None | str | Unset
        if isinstance(self.idp_sso_url, Unset):
            idp_sso_url = UNSET
        else:
            idp_sso_url = self.idp_sso_url

        idp_certificates: list[str] | None | Unset
        if isinstance(self.idp_certificates, Unset):
            idp_certificates = UNSET
        elif isinstance(self.idp_certificates, list):
            idp_certificates = self.idp_certificates

        else:
            idp_certificates = self.idp_certificates

        sp_entity_id: None | str | Unset
        if isinstance(self.sp_entity_id, Unset):
            sp_entity_id = UNSET
        else:
            sp_entity_id = self.sp_entity_id

        allow_idp_initiated: bool | None | Unset
        if isinstance(self.allow_idp_initiated, Unset):
            allow_idp_initiated = UNSET
        else:
            allow_idp_initiated = self.allow_idp_initiated

        sign_requests: bool | None | Unset
        if isinstance(self.sign_requests, Unset):
            sign_requests = UNSET
        else:
            sign_requests = self.sign_requests

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if idp_metadata_xml is not UNSET:
            field_dict["idp_metadata_xml"] = idp_metadata_xml
        if idp_metadata_url is not UNSET:
            field_dict["idp_metadata_url"] = idp_metadata_url
        if idp_entity_id is not UNSET:
            field_dict["idp_entity_id"] = idp_entity_id
        if idp_sso_url is not UNSET:
            field_dict["idp_sso_url"] = idp_sso_url
        if idp_certificates is not UNSET:
            field_dict["idp_certificates"] = idp_certificates
        if sp_entity_id is not UNSET:
            field_dict["sp_entity_id"] = sp_entity_id
        if allow_idp_initiated is not UNSET:
            field_dict["allow_idp_initiated"] = allow_idp_initiated
        if sign_requests is not UNSET:
            field_dict["sign_requests"] = sign_requests

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_idp_metadata_xml(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idp_metadata_xml = _parse_idp_metadata_xml(d.pop("idp_metadata_xml", UNSET))

        def _parse_idp_metadata_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idp_metadata_url = _parse_idp_metadata_url(d.pop("idp_metadata_url", UNSET))

        def _parse_idp_entity_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idp_entity_id = _parse_idp_entity_id(d.pop("idp_entity_id", UNSET))

        def _parse_idp_sso_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idp_sso_url = _parse_idp_sso_url(d.pop("idp_sso_url", UNSET))

        def _parse_idp_certificates(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                idp_certificates_type_0 = cast(list[str], data)

                return idp_certificates_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        idp_certificates = _parse_idp_certificates(d.pop("idp_certificates", UNSET))

        def _parse_sp_entity_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        sp_entity_id = _parse_sp_entity_id(d.pop("sp_entity_id", UNSET))

        def _parse_allow_idp_initiated(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        allow_idp_initiated = _parse_allow_idp_initiated(
            d.pop("allow_idp_initiated", UNSET)
        )

        def _parse_sign_requests(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        sign_requests = _parse_sign_requests(d.pop("sign_requests", UNSET))

        saml_input = cls(
            idp_metadata_xml=idp_metadata_xml,
            idp_metadata_url=idp_metadata_url,
            idp_entity_id=idp_entity_id,
            idp_sso_url=idp_sso_url,
            idp_certificates=idp_certificates,
            sp_entity_id=sp_entity_id,
            allow_idp_initiated=allow_idp_initiated,
            sign_requests=sign_requests,
        )

        saml_input.additional_properties = d
        return saml_input

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
