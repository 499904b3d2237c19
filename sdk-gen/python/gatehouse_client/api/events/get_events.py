import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.event_list import EventList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    events: list[str],
    organization_id: str | Unset = UNSET,
    range_start: datetime.datetime | Unset = UNSET,
    range_end: datetime.datetime | Unset = UNSET,
    after: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_events = events

    params["events"] = json_events

    params["organization_id"] = organization_id

    json_range_start: str | Unset = UNSET
    if not isinstance(range_start, Unset):
        json_range_start = range_start.isoformat()
    params["range_start"] = json_range_start

    json_range_end: str | Unset = UNSET
    if not isinstance(range_end, Unset):
        json_range_end = range_end.isoformat()
    params["range_end"] = json_range_end

    params["after"] = after

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/events",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | EventList | None:
    if response.status_code == 200:
        response_200 = EventList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | EventList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    events: list[str],
    organization_id: str | Unset = UNSET,
    range_start: datetime.datetime | Unset = UNSET,
    range_end: datetime.datetime | Unset = UNSET,
    after: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[Error | EventList]:
    """List events in commit order; poll with `after` to miss none

    Args:
        events (list[str]):
        organization_id (str | Unset):
        range_start (datetime.datetime | Unset):
        range_end (datetime.datetime | Unset):
        after (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventList]
    """

    kwargs = _get_kwargs(
        events=events,
        organization_id=organization_id,
        range_start=range_start,
        range_end=range_end,
        after=after,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    events: list[str],
    organization_id: str | Unset = UNSET,
    range_start: datetime.datetime | Unset = UNSET,
    range_end: datetime.datetime | Unset = UNSET,
    after: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Error | EventList | None:
    """List events in commit order; poll with `after` to miss none

    Args:
        events (list[str]):
        organization_id (str | Unset):
        range_start (datetime.datetime | Unset):
        range_end (datetime.datetime | Unset):
        after (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventList
    """

    return sync_detailed(
        client=client,
        events=events,
        organization_id=organization_id,
        range_start=range_start,
        range_end=range_end,
        after=after,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    events: list[str],
    organization_id: str | Unset = UNSET,
    range_start: datetime.datetime | Unset = UNSET,
    range_end: datetime.datetime | Unset = UNSET,
    after: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[Error | EventList]:
    """List events in commit order; poll with `after` to miss none

    Args:
        events (list[str]):
        organization_id (str | Unset):
        range_start (datetime.datetime | Unset):
        range_end (datetime.datetime | Unset):
        after (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventList]
    """

    kwargs = _get_kwargs(
        events=events,
        organization_id=organization_id,
        range_start=range_start,
        range_end=range_end,
        after=after,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    events: list[str],
    organization_id: str | Unset = UNSET,
    range_start: datetime.datetime | Unset = UNSET,
    range_end: datetime.datetime | Unset = UNSET,
    after: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Error | EventList | None:
    """List events in commit order; poll with `after` to miss none

    Args:
        events (list[str]):
        organization_id (str | Unset):
        range_start (datetime.datetime | Unset):
        range_end (datetime.datetime | Unset):
        after (str | Unset):
        limit (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventList
    """

    return (
        await asyncio_detailed(
            client=client,
            events=events,
            organization_id=organization_id,
            range_start=range_start,
            range_end=range_end,
            after=after,
            limit=limit,
        )
    ).parsed
