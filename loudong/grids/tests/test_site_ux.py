"""Site-wide fixes from the worker's daily path (issue 10 §3) that ride with the grid pages:
the login page names the system, and the index search box is the search page's."""

import re

from loudong.test import BaseTestCase


class LoginTitleTestCase(BaseTestCase):
    def test_it_names_the_system_not_the_host(self):
        r = self.client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8731")
        self.assertContains(r, "<title>登录 · 楼栋长网格治理系统</title>", html=False)
        self.assertContains(r, '<a class="brand" href="/">楼栋长网格治理系统</a>')
        self.assertNotContains(r, "127.0.0.1")
        # Still Django's form, with the fields scripts post (PRODUCT.md, stable interfaces).
        self.assertContains(r, 'name="username"')
        self.assertContains(r, 'name="password"')
        self.assertContains(r, "css/loudong.css")


class SearchBoxTestCase(BaseTestCase):
    def box(self, url):
        body = self.client.get(url).content.decode()
        form = re.search(r'<form[^>]*role="search"[^>]*>.*?</form>', body, re.S).group(0)
        tag = re.search(r"<form[^>]*>", form).group(0)
        field = re.search(r'<input[^>]*name="q"[^>]*>', form).group(0)
        attrs = dict(re.findall(r'(type|maxlength|id)="([^"]*)"', field))
        return re.search(r'class="([^"]*)"', tag).group(1), attrs

    def test_the_index_box_is_the_search_pages_box(self):
        self.login(self.shequ_a)
        index_class, index_attrs = self.box("/territory/")
        search_class, search_attrs = self.box("/territory/search/")
        self.assertEqual(index_class, search_class)
        self.assertEqual(index_attrs, search_attrs)
        self.assertEqual(index_attrs["type"], "text")  # styled like every text input
