"""The library page, uploads, deletes, the composer's picker, and the one way files are served.

Thin: access → form → service → message → redirect. Files are only ever served here, after a
login, a permission and an account check, with headers that stop a browser from running them.
"""

from __future__ import annotations

import re

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.query_params import parse_id
from accounts.redirects import next_url
from accounts.services.business_profile import ProfileRefused
from accounts.views._settings import settings_page
from accounts.views._settings import number_or_404
from accounts.views.profile import profile_page

from . import kinds, selectors
from .forms import ProfilePictureForm, UploadForm
from .models import MediaAsset
from .services import (
    AssetInUse,
    delete_asset,
    retry_download,
    set_profile_picture,
    store_upload,
    usages_by_asset,
    usages_of,
)

VIEW = "media_lib.view_mediaasset"
PAGE_SIZE = 48
_INLINE_KINDS = {kinds.IMAGE, kinds.VIDEO, kinds.AUDIO, kinds.STICKER}
# Nothing we serve may run in our origin: no scripts, no plugins, no forms, not even styles.
_SERVE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "private, max-age=3600",
}


@login_required
@permission_required(VIEW, raise_exception=True)
def asset_list(request):
    return render(request, "media_lib/asset_list.html", _library_context(request, UploadForm(user=request.user)))


@require_POST
@login_required
@permission_required([VIEW, "media_lib.add_mediaasset"], raise_exception=True)
def asset_upload(request):
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        try:
            asset = store_upload(account=form.cleaned_data["account"], uploaded_file=form.cleaned_data["file"],
                                 user=request.user)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if asset.deduplicated:
                flash.info(request, f"This file is already in the library as “{asset}”.")
            else:
                flash.success(request, f"“{asset}” was added to the library.")
            return redirect(f"{reverse('media_lib:asset-list')}#asset-{asset.pk}")
    return render(request, "media_lib/asset_list.html", _library_context(request, form), status=400)


@login_required
@permission_required(VIEW, raise_exception=True)
def asset_picker(request):
    """An htmx partial for the composer: stored files of one kind, as radio buttons named ``field``."""
    account_id = parse_id(request.GET.get("account"))
    phone_number = parse_id(request.GET.get("phone_number"))
    if phone_number is not None:
        account = selectors.account_for_number(request.user, phone_number)
        account_id = account.pk if account else -1
    kind = request.GET.get("kind", "")
    query = request.GET.get("q") or request.GET.get("media_picker_q") or ""
    field = request.GET.get("field", "media_asset")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", field):
        field = "media_asset"
    assets = selectors.library(request.user, kind=kind, query=query, account_id=account_id, stored_only=True)[:60]
    context = {"assets": assets, "kind": kind if kind in MediaAsset.Kind.values else "", "query": query,
               "field": field, "account_id": account_id, "phone_number": phone_number,
               "selected": parse_id(request.GET.get("selected"))}
    return render(request, "media_lib/_picker.html", context)


@login_required
@permission_required(VIEW, raise_exception=True)
def asset_serve(request, pk: int):
    asset = selectors.asset_for_user(request.user, pk)
    if not asset.is_stored:
        raise Http404("This file is not stored (yet)")
    mime_type = kinds.base_mime(asset.mime_type)
    safe_type = mime_type in kinds.FILE_TYPES
    inline = safe_type and asset.kind in _INLINE_KINDS
    return _serve(asset.file, content_type=mime_type if safe_type else "application/octet-stream",
                  filename=asset.original_name or f"file-{asset.pk}", inline=inline)


@login_required
@permission_required(VIEW, raise_exception=True)
def thumbnail_serve(request, pk: int):
    asset = selectors.asset_for_user(request.user, pk)
    if not asset.thumbnail:
        raise Http404("This file has no thumbnail")
    png = asset.thumbnail.name.endswith(".png")
    return _serve(asset.thumbnail, content_type="image/png" if png else "image/jpeg",
                  filename=f"thumbnail-{asset.pk}.{'png' if png else 'jpg'}", inline=True)


@login_required
@permission_required([VIEW, "media_lib.delete_mediaasset"], raise_exception=True)
def asset_delete(request, pk: int):
    asset = selectors.asset_for_user(request.user, pk)
    if request.method == "POST":
        try:
            delete_asset(asset=asset, force=request.POST.get("force") == "1")
        except AssetInUse as exc:
            return _delete_page(request, asset, exc.usages, error=exc.messages[0], status=400)
        except ValidationError as exc:
            return _delete_page(request, asset, usages_of(asset=asset), error=exc.messages[0], status=400)
        flash.success(request, f"“{asset}” was deleted.")
        return redirect("media_lib:asset-list")
    return _delete_page(request, asset, usages_of(asset=asset))


@require_POST
@login_required
@permission_required(VIEW, raise_exception=True)
def asset_retry(request, pk: int):
    """The "failed, retry" button of a received file (bubble or library)."""
    asset = selectors.asset_for_user(request.user, pk)
    try:
        asset = retry_download(asset_id=asset.pk)
    except ValidationError as exc:
        asset.retry_error = exc.messages[0]
        if not request.htmx:
            flash.error(request, exc.messages[0])
    if request.htmx:
        return render(request, "media_lib/_media.html", {"asset": asset})
    return redirect(next_url(request, fallback=f"{reverse('media_lib:asset-list')}?origin=inbound#asset-{asset.pk}"))


@login_required
@permission_required(VIEW, raise_exception=True)
def asset_status(request, pk: int):
    """The asset's preview or download state, polled by htmx while a received file downloads."""
    return render(request, "media_lib/_media.html", {"asset": selectors.asset_for_user(request.user, pk)})


@require_POST
@settings_page
def profile_picture_upload(request, phone_number_id: str):
    """A number's business profile picture (administrators): on to Meta, back to the profile page,
    where a refusal is shown under the picture box."""
    phone = number_or_404(phone_number_id)
    form = ProfilePictureForm(request.POST, request.FILES)
    problem = ""
    if not form.is_valid():
        problem = " ".join(form.errors.get("profile_picture", ["Choose a picture."]))
    else:
        try:
            saved = set_profile_picture(phone_number=phone, uploaded_file=form.cleaned_data["profile_picture"],
                                        user=request.user)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        except ProfileRefused as refused:
            problem = refused.message
        else:
            flash.success(request, "Saved at Meta: the new profile picture.")
            if saved.read_back_problem:
                flash.warning(request, saved.read_back_problem)
            return redirect("settings:number-profile", phone_number_id=phone.phone_number_id)
    return profile_page(request, phone, picture_error=problem, status=400)


def _library_context(request, form: UploadForm) -> dict:
    kind = request.GET.get("kind", "")
    origin = request.GET.get("origin", "uploaded")
    query = request.GET.get("q", "")
    page = Paginator(selectors.library(request.user, kind=kind, query=query, origin=origin), PAGE_SIZE).get_page(
        request.GET.get("page"))
    usages = usages_by_asset(assets=page.object_list)
    for asset in page.object_list:
        asset.usages = usages.get(asset.pk, [])
    return {
        "page": page,
        "assets": page.object_list,
        "kinds": MediaAsset.Kind.choices,
        "kind": kind if kind in MediaAsset.Kind.values else "",
        "origin": origin if origin in MediaAsset.Origin.values else "",
        "query": query,
        "form": form,
        "show_accounts": len(form.fields["account"].queryset) > 1,
    }


def _delete_page(request, asset: MediaAsset, usages: list[str], *, error: str = "", status: int = 200):
    context = {"asset": asset, "usages": usages, "error": error}
    return render(request, "media_lib/asset_delete.html", context, status=status)


def _serve(field_file, *, content_type: str, filename: str, inline: bool) -> FileResponse:
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("The stored file is missing") from None
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=filename)
    for header, value in _SERVE_HEADERS.items():
        response[header] = value
    return response
